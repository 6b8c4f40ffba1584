using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;
using static NetGen.Generator.Emitting.Formatting;
using static NetGen.Generator.Invariant;

namespace NetGen.Generator.Emitting
{
    /// <summary>Writes the batched kernels of each layer into the network's kernel class: <c>AffineBatch{k}</c>,
    /// <c>A = X W + b</c> for a tile of samples, and <c>AffineBatchBackward{k}</c>, <c>dW += X^T dA</c>,
    /// <c>db += column sums of dA</c> and <c>dX = dA W^T</c>.</summary>
    /// <remarks>
    /// The three are one shape, a <see cref="Product"/> <c>Out[r, c] (+)= sum_k Left(r, k) Right[k, c]</c> with constant
    /// columns, written as register-blocked code: a block keeps up to 4 rows x 4 column vectors of <c>Out</c> in registers,
    /// so every vector of <c>Right</c> loaded serves 4 rows (samples, or inputs for <c>dW</c>).
    /// </remarks>
    internal static class BatchKernelEmitter
    {
        /// <summary>Independent FMA chains that hide the FMA latency on two pipes.</summary>
        private const int Chains = 8;

        /// <summary>The scratch a batched pass needs after its tile: W^T of layers 2..L, then dW^T of the narrow layers.</summary>
        public static int TransposedLength(NetworkSpec net) =>
            net.Layers.Where(l => l.Number > 1 && l.IsAffine).Sum(l => l.WeightCount) + net.Layers.Where(l => TransposedGradient(net, l)).Sum(l => l.WeightCount);

        /// <summary>Whether a layer sums its weight gradient output-major, <c>dW^T[i, :] += sum_r dA[r, i] X[r, :]</c>:
        /// when its outputs are fewer than the widest vector's lanes and at most a quarter of its inputs (W3's 16-to-4
        /// layer, MNIST's 128-to-10), rows of inputs fill whole vectors where rows of outputs would leave most lanes
        /// empty (or fall to scalars). Wide layers keep the input-major sum, which needs no scratch and no final add.</summary>
        public static bool TransposedGradient(NetworkSpec net, LayerSpec layer) =>
            layer.IsAffine && layer.AffineOutputs < VectorWidth.All[0].Lanes(net.IsDouble) && layer.AffineOutputs * 4 <= layer.FanIn;

        /// <summary>Both batched kernels of one layer.</summary>
        public static void EmitKernels(SourceWriter w, NetworkSpec net, LayerSpec layer)
        {
            EmitForwardKernel(w, net, layer);
            w.Line();
            EmitBackwardKernel(w, net, layer);
        }

        /// <summary><c>Out[r, c] (+)= sum_k Left(r, k) Right[k, c]</c> over <see cref="RowCount"/> rows and constant columns:
        /// the one shape behind all three products. Each operand is a strided view of a span, named as the lecture names it
        /// (<c>X</c>, <c>W</c>, <c>A</c>, <c>dA</c>, ...): <c>Left(r, k) = left[r * LeftRowStride + k * LeftInnerStride]</c>,
        /// <c>Right[k, c] = right[k * RightInnerStride + c]</c>, <c>Out[r, c] = out[r * OutRowStride + c]</c>. The code reads
        /// each through a <c>ref</c> to its first element, named in lower case (<c>x</c>, <c>w</c>, <c>a</c>, <c>da</c>).</summary>
        private sealed class Product
        {
            /// <summary>The left operand's span, or null for all ones (the column sums of Right).</summary>
            public string? Left { get; set; }

            public string Right { get; set; } = string.Empty;

            public string Out { get; set; } = string.Empty;

            /// <summary>The name of the ref to Out's first element, where its lower-case name is taken by a span.</summary>
            public string? OutRef { get; set; }

            public string RowCount { get; set; } = "rows";

            public string Inner { get; set; } = "0";

            public int Columns { get; set; }

            public int LeftRowStride { get; set; }

            public int LeftInnerStride { get; set; }

            public int RightInnerStride { get; set; }

            public int OutRowStride { get; set; }

            /// <summary>How Out starts: "bias" (<c>bias</c> at c), "zero", or "accumulate" (Out's own value).</summary>
            public string Start { get; set; } = "zero";

            public string LeftRef => Left!.ToLowerInvariant();

            public string RightRef => Right.ToLowerInvariant();

            public string OutName => OutRef ?? Out.ToLowerInvariant();

            /// <summary>The prefix of the accumulators: <c>a0_1</c> is Out's row 0, column vector 1.</summary>
            public string Accumulator => Out.ToLowerInvariant();

            public string L(string r, string k) => Offset(r, LeftRowStride, k, LeftInnerStride);

            public string R(string k, string c) => Offset(k, RightInnerStride, c, 1);

            public string O(string r, string c) => Offset(r, OutRowStride, c, 1);

            /// <summary><c>i * si + j * sj</c> as a C# expression, constants folded and zero terms left out.</summary>
            private static string Offset(string i, int si, string j, int sj)
            {
                int constant = 0;
                var terms = new List<string>();
                foreach ((string index, int stride) in new[] { (i, si), (j, sj) })
                {
                    if (stride == 0 || index == "0")
                    {
                        continue;
                    }

                    if (int.TryParse(index, out int value))
                    {
                        constant += value * stride;
                    }
                    else
                    {
                        terms.Add(stride == 1 ? index : index.Contains(" ") && !index.StartsWith("(") ? $"({index}) * {Int(stride)}" : $"{index} * {Int(stride)}");
                    }
                }

                if (constant != 0 || terms.Count == 0)
                {
                    terms.Add(Int(constant));
                }

                return string.Join(" + ", terms);
            }
        }

        private static void EmitForwardKernel(SourceWriter w, NetworkSpec net, LayerSpec layer)
        {
            string t = net.Scalar;
            int n = layer.FanIn, m = layer.AffineOutputs;
            string k = Int(layer.Number);
            w.Line($"/// <summary>Layer {k} for a tile of samples: <c>A[r, :] = {(layer.HasBias ? $"b{k} + " : string.Empty)}sum_j X[r, j] W{k}[j, :]</c>, X rows x {Int(n)}, A rows x {Int(m)},");
            w.Line($"/// W{k} input-major.</summary>");
            w.Line(Names.KernelAttributes);
            w.OpenMethod($"internal static void AffineBatch{k}", PassEmitter.WithBias(layer, $"ReadOnlySpan<{t}> W", $"ReadOnlySpan<{t}> b", $"ReadOnlySpan<{t}> X", $"Span<{t}> A", "int rows"));
            w.Line($"ref {t} x = ref MemoryMarshal.GetReference(X);");
            w.Line($"ref {t} w = ref MemoryMarshal.GetReference(W);");
            if (layer.HasBias)
            {
                w.Line($"ref {t} bias = ref MemoryMarshal.GetReference(b);");
            }

            w.Line($"ref {t} a = ref MemoryMarshal.GetReference(A);");
            EmitProduct(w, net, new Product
            {
                Left = "X",
                Right = "W",
                Out = "A",
                Inner = Int(n),
                Columns = m,
                LeftRowStride = n,
                LeftInnerStride = 1,
                RightInnerStride = m,
                OutRowStride = m,
                Start = layer.HasBias ? "bias" : "zero",
            });
            w.Close();
        }

        private static void EmitBackwardKernel(SourceWriter w, NetworkSpec net, LayerSpec layer)
        {
            string t = net.Scalar;
            int n = layer.FanIn, m = layer.AffineOutputs;
            string k = Int(layer.Number);
            bool hasDx = layer.Number > 1;
            bool outputMajor = TransposedGradient(net, layer);
            w.Line(outputMajor
                ? $"/// <summary>Layer {k} backward for a tile: <c>dW{k}^T[i, :] += sum_r dA[r, i] X[r, :]</c> (dW is the output-major buffer);"
                : $"/// <summary>Layer {k} backward for a tile: <c>dW{k}[j, :] += sum_r X[r, j] dA[r, :]</c>;");
            string db = layer.HasBias ? $"<c>db{k} += sum_r dA[r, :]</c>" : "no bias";
            w.Line(hasDx
                ? $"/// {db}; <c>dX[r, :] = sum_i dA[r, i] W{k}^T[i, :]</c>.</summary>"
                : $"/// {db}; the input needs no gradient.</summary>");
            w.Line(Names.KernelAttributes);
            var parameters = new List<string>();
            if (hasDx)
            {
                parameters.Add($"ReadOnlySpan<{t}> WT");
            }

            parameters.AddRange(new[] { $"ReadOnlySpan<{t}> X", $"ReadOnlySpan<{t}> dA", $"Span<{t}> dW" });
            if (layer.HasBias)
            {
                parameters.Add($"Span<{t}> db");
            }

            if (hasDx)
            {
                parameters.Add($"Span<{t}> dX");
            }

            parameters.Add("int rows");
            w.OpenMethod($"internal static void AffineBatchBackward{k}", parameters.ToArray());
            EmitWeightGradient(w, net, n, m, outputMajor);
            if (layer.HasBias)
            {
                EmitBiasGradient(w, net, m);
            }

            if (hasDx)
            {
                EmitInputGradient(w, net, n, m);
            }

            w.Close();
        }

        /// <summary><c>db += the column sums of dA</c>: a product with no left operand.</summary>
        private static void EmitBiasGradient(SourceWriter w, NetworkSpec net, int m)
        {
            string t = net.Scalar;
            w.Block("// db += the column sums of dA");
            w.Line($"ref {t} da = ref MemoryMarshal.GetReference(dA);");
            w.Line($"ref {t} dbias = ref MemoryMarshal.GetReference(db);");
            EmitProduct(w, net, new Product
            {
                Right = "dA",
                Out = "db",
                OutRef = "dbias",
                RowCount = "1",
                Inner = "rows",
                Columns = m,
                RightInnerStride = m,
                Start = "accumulate",
            });
            w.Close();
        }

        /// <summary><c>dX = dA W^T</c>, with W^T copied once per call by the pass.</summary>
        private static void EmitInputGradient(SourceWriter w, NetworkSpec net, int n, int m)
        {
            string t = net.Scalar;
            w.Block("// dX = dA W^T");
            w.Line($"ref {t} da = ref MemoryMarshal.GetReference(dA);");
            w.Line($"ref {t} wt = ref MemoryMarshal.GetReference(WT);");
            w.Line($"ref {t} dx = ref MemoryMarshal.GetReference(dX);");
            EmitProduct(w, net, new Product
            {
                Left = "dA",
                Right = "WT",
                Out = "dX",
                Inner = Int(m),
                Columns = n,
                LeftRowStride = m,
                LeftInnerStride = 1,
                RightInnerStride = n,
                OutRowStride = n,
                Start = "zero",
            });
            w.Close();
        }

        /// <summary>Input-major, <c>dW += X^T dA</c> has a row per input; output-major, <c>dW^T += dA^T X</c> has a row per
        /// output. Both are <c>Out[r, c] += sum_k Left[k, r] Right[k, c]</c> over the tile, with X and dA swapped.</summary>
        private static void EmitWeightGradient(SourceWriter w, NetworkSpec net, int n, int m, bool outputMajor)
        {
            string t = net.Scalar;
            (string left, string right, int rowsOfOut, int columnsOfOut) = outputMajor ? ("dA", "X", m, n) : ("X", "dA", n, m);
            w.Block(outputMajor
                ? "// dW^T += dA^T X, output-major: each output's row of input gradients fills whole vectors"
                : "// dW += X^T dA: the tile is the inner dimension, so each gradient is loaded and stored once per tile");
            w.Line($"ref {t} {left.ToLowerInvariant()} = ref MemoryMarshal.GetReference({left});");
            w.Line($"ref {t} {right.ToLowerInvariant()} = ref MemoryMarshal.GetReference({right});");
            w.Line($"ref {t} dw = ref MemoryMarshal.GetReference(dW);");
            EmitProduct(w, net, new Product
            {
                Left = left,
                Right = right,
                Out = "dW",
                RowCount = Int(rowsOfOut),
                Inner = "rows",
                Columns = columnsOfOut,
                LeftRowStride = 1,
                LeftInnerStride = rowsOfOut,
                RightInnerStride = columnsOfOut,
                OutRowStride = columnsOfOut,
                Start = "accumulate",
            });
            w.Close();
        }

        /// <summary>One path per vector width (each behind <c>IsHardwareAccelerated</c>, which the JIT folds), then a scalar
        /// path. Columns are covered by the widest vectors that fit, then narrower ones, then scalars: exact, no overlap.</summary>
        private static void EmitProduct(SourceWriter w, NetworkSpec net, Product product)
        {
            string keyword = "if";
            for (int p = 0; p < VectorWidth.All.Length; p++)
            {
                List<(VectorWidth Width, int Start, int Count)> segments = Segments(net, product.Columns, p);
                if (segments.Count == 0)
                {
                    continue; // nothing this wide fits: the narrower paths or the scalar one cover it
                }

                w.Open($"{keyword} ({VectorWidth.All[p].Vector}.IsHardwareAccelerated)");
                keyword = "else if";
                EmitVectorPath(w, net, product, VectorWidth.All[p], segments);
                w.Close();
            }

            if (keyword == "if")
            {
                EmitScalar(w, net, product, 0); // no vector fits: scalar only
                return;
            }

            w.Open("else");
            EmitScalar(w, net, product, 0);
            w.Close();
        }

        /// <summary>The columns in groups of <see cref="VectorWidth.BatchGroupVectors"/> vectors of each width: two or more
        /// whole groups as a loop over column groups (IL stays small for wide layers), a single group and the remainder
        /// written out with constant columns, then scalars for what no vector covers.</summary>
        private static void EmitVectorPath(SourceWriter w, NetworkSpec net, Product product, VectorWidth path, List<(VectorWidth Width, int Start, int Count)> segments)
        {
            int covered = 0, block = 0;
            int accumulators = path.BatchGroupVectors * 4;
            foreach ((VectorWidth width, int start, int count) in segments)
            {
                int lanes = width.Lanes(net.IsDouble);
                int groupColumns = path.BatchGroupVectors * lanes;
                int whole = count / path.BatchGroupVectors;
                int looped = whole >= 2 ? whole : 0;
                if (looped > 0)
                {
                    string c = "c" + Int(block);
                    w.Open($"for (int {c} = {Int(start)}; {c} < {Int(start + (looped * groupColumns))}; {c} += {Int(groupColumns)})");
                    string[] columns = Enumerable.Range(0, path.BatchGroupVectors).Select(v => v == 0 ? c : $"{c} + {Int(v * lanes)}").ToArray();
                    EmitBlocks(w, net, product, width, columns, block++, accumulators);
                    w.Close();
                }

                for (int g = looped * path.BatchGroupVectors; g < count; g += path.BatchGroupVectors)
                {
                    int vectors = Math.Min(path.BatchGroupVectors, count - g);
                    string[] columns = Enumerable.Range(0, vectors).Select(v => Int(start + ((g + v) * lanes))).ToArray();
                    EmitBlocks(w, net, product, width, columns, block++, accumulators);
                }

                covered = start + (count * lanes);
            }

            EmitScalar(w, net, product, covered);
        }

        private static List<(VectorWidth Width, int Start, int Count)> Segments(NetworkSpec net, int columns, int firstPath)
        {
            var segments = new List<(VectorWidth, int, int)>();
            int start = 0;
            for (int p = firstPath; p < VectorWidth.All.Length; p++)
            {
                int lanes = VectorWidth.All[p].Lanes(net.IsDouble);
                int count = (columns - start) / lanes;
                if (count > 0)
                {
                    segments.Add((VectorWidth.All[p], start, count));
                    start += count * lanes;
                }
            }

            return segments;
        }

        /// <summary>Rows in blocks, then the rest, for one group of column vectors. A block holds up to
        /// <paramref name="accumulators"/> accumulators (16 with the 32 registers of AVX-512, 8 with the 16 of AVX2 and
        /// Neon) and at most 8 rows: at least 8 independent FMA chains hide the FMA latency on two pipes. Where the row
        /// count is a constant (dW's rows are the layer's inputs), the rest is one block of its own size, not single rows:
        /// dW of a 4-input layer is then 4 rows of chains at once rather than one row at a time.</summary>
        private static void EmitBlocks(SourceWriter w, NetworkSpec net, Product product, VectorWidth width, string[] columns, int block, int accumulators)
        {
            string r = "r" + Int(block);
            int blockRows = Math.Max(1, Math.Min(8, accumulators / columns.Length));
            if (int.TryParse(product.RowCount, out int constantRows))
            {
                int whole = constantRows - (constantRows % blockRows);
                if (whole > 0)
                {
                    w.Open($"for (int {r} = 0; {r} < {Int(whole)}; {r} += {Int(blockRows)})");
                    EmitBlock(w, net, product, width, columns, r, blockRows);
                    w.Close();
                }

                if (whole < constantRows)
                {
                    w.Block($"// the last {Int(constantRows - whole)} row(s) as one block");
                    EmitBlock(w, net, product, width, columns, Int(whole), constantRows - whole);
                    w.Close();
                }

                return;
            }

            w.Line($"int {r} = 0;");
            w.Open($"for (; {r} + {Int(blockRows)} <= {product.RowCount}; {r} += {Int(blockRows)})");
            EmitBlock(w, net, product, width, columns, r, blockRows);
            w.Close();
            w.Open($"for (; {r} < {product.RowCount}; {r}++)");
            EmitBlock(w, net, product, width, columns, r, 1);
            w.Close();
        }

        /// <summary>A native-int offset for a vector load or store: a constant as it is, anything else cast.</summary>
        private static string NativeOffset(string expression) =>
            int.TryParse(expression, out _) ? expression : expression.All(c => char.IsLetterOrDigit(c)) ? $"(nuint){expression}" : $"(nuint)({expression})";

        /// <summary>One register block: <paramref name="rows"/> rows of Out by the given column vectors, accumulated over
        /// the inner dimension. A block with fewer than <see cref="Chains"/> accumulators (a bias gradient, a narrow
        /// layer's last rows) splits the inner loop over interleaved sets (step k adds to set k % sets) and adds the sets
        /// in order at the end.</summary>
        private static void EmitBlock(SourceWriter w, NetworkSpec net, Product product, VectorWidth width, string[] columns, string r, int rows)
        {
            int sets = Math.Min(4, Math.Max(1, Chains / (rows * columns.Length)));
            if (int.TryParse(product.Inner, out int inner))
            {
                sets = Math.Max(1, Math.Min(sets, inner)); // a constant inner dimension shorter than the sets: fewer sets
            }

            var block = new Block(w, net, product, width, columns, r, rows, sets);
            block.EmitStart();
            block.EmitLoop();
            block.EmitStore();
        }

        /// <summary>The code of one register block (see <see cref="EmitBlock"/>), in three parts: start the accumulators,
        /// run the inner loop, store them.</summary>
        private sealed class Block
        {
            private readonly SourceWriter _w;
            private readonly Product _product;
            private readonly VectorWidth _width;
            private readonly string[] _columns;
            private readonly string _r;
            private readonly int _rows;
            private readonly int _sets;
            private readonly string _vector;
            private readonly string _scalar;

            public Block(SourceWriter w, NetworkSpec net, Product product, VectorWidth width, string[] columns, string r, int rows, int sets)
            {
                _w = w;
                _product = product;
                _width = width;
                _columns = columns;
                _r = r;
                _rows = rows;
                _sets = sets;
                _vector = $"{width.Vector}<{net.Scalar}>";
                _scalar = net.Scalar;
            }

            private string Row(int i) => int.TryParse(_r, out int first) ? Int(first + i) : i == 0 ? _r : $"({_r} + {Int(i)})";

            private string Acc(int i, int c, int set) =>
                set == 0 ? $"{_product.Accumulator}{Int(i)}_{Int(c)}" : $"{_product.Accumulator}{Int(i)}_{Int(c)}s{Int(set)}";

            /// <summary>The offsets that advance along the inner dimension: <c>xk</c>, <c>wk</c>, ...</summary>
            private string LeftK => _product.LeftRef + "k";

            private string RightK => _product.RightRef + "k";

            public void EmitStart()
            {
                for (int i = 0; i < _rows; i++)
                {
                    for (int c = 0; c < _columns.Length; c++)
                    {
                        string start = _product.Start switch
                        {
                            "bias" => $"{_width.Vector}.LoadUnsafe(ref bias, {NativeOffset(_columns[c])})",
                            "accumulate" => $"{_width.Vector}.LoadUnsafe(ref {_product.OutName}, {NativeOffset(_product.O(Row(i), _columns[c]))})",
                            _ => $"{_vector}.Zero",
                        };
                        _w.Line($"{_vector} {Acc(i, c, 0)} = {start};");
                        for (int set = 1; set < _sets; set++)
                        {
                            _w.Line($"{_vector} {Acc(i, c, set)} = {_vector}.Zero;");
                        }
                    }
                }

            }

            /// <summary>The inner loop. Left and Right are read at a native-int offset that advances along the inner
            /// dimension (from Left(r, 0) and Right[0, 0]), so every load in the loop is base + offset + constant: no index
            /// arithmetic or sign extension per FMA. Offsets rather than advancing refs: a ref must never point past the
            /// end of its array, even unused.</summary>
            public void EmitLoop()
            {
                if (_product.Left is not null)
                {
                    string rowStart = _product.L(_r, "0");
                    _w.Line(rowStart == "0"
                        ? $"ref {_scalar} {LeftRow} = ref {_product.LeftRef};"
                        : $"ref {_scalar} {LeftRow} = ref Unsafe.Add(ref {_product.LeftRef}, {rowStart});");
                    _w.Line($"nint {LeftK} = 0;");
                }

                _w.Line($"nint {RightK} = 0;");
                bool constantInner = int.TryParse(_product.Inner, out int inner);
                if (_sets == 1)
                {
                    _w.Open($"for (int k = 0; k < {_product.Inner}; k++)");
                    Step(0);
                    Advance(1);
                    _w.Close();
                    return;
                }

                _w.Line("int k = 0;");
                _w.Open($"for (; k + {Int(_sets)} <= {_product.Inner}; k += {Int(_sets)})");
                for (int set = 0; set < _sets; set++)
                {
                    _w.Block();
                    Step(set);
                    _w.Close();
                }

                Advance(_sets);
                _w.Close();
                for (int i = 0; i < _rows; i++)
                {
                    for (int c = 0; c < _columns.Length; c++)
                    {
                        _w.Line($"{Acc(i, c, 0)} += {string.Join(" + ", Enumerable.Range(1, _sets - 1).Select(set => Acc(i, c, set)))};");
                    }
                }

                if (!constantInner || inner % _sets != 0)
                {
                    _w.Open($"for (; k < {_product.Inner}; k++)");
                    Step(0);
                    Advance(1);
                    _w.Close();
                }
            }

            private string LeftRow => _product.LeftRef + "Row";

            /// <summary>One step k (plus <paramref name="set"/>) of the inner dimension: load Right's column vectors,
            /// broadcast each row's Left value, multiply-add.</summary>
            private void Step(int set)
            {
                string right = _product.RightRef;
                for (int c = 0; c < _columns.Length; c++)
                {
                    string column = set == 0 ? _columns[c] : _product.R(Int(set), _columns[c]);
                    _w.Line($"{_vector} {right}{Int(c)} = {_width.Vector}.LoadUnsafe(ref {right}, (nuint)({RightK} + {column}));");
                }

                for (int i = 0; i < _rows; i++)
                {
                    if (_product.Left is null)
                    {
                        for (int c = 0; c < _columns.Length; c++)
                        {
                            _w.Line($"{Acc(i, c, set)} += {right}{Int(c)};");
                        }

                        continue;
                    }

                    string left = _product.LeftRef + Int(i);
                    string at = _product.L(Int(i), Int(set));
                    _w.Line($"{_vector} {left} = {_width.Vector}.Create(Unsafe.Add(ref {LeftRow}, {(at == "0" ? LeftK : $"{LeftK} + {at}")}));");
                    for (int c = 0; c < _columns.Length; c++)
                    {
                        _w.Line($"{Acc(i, c, set)} = Simd.MultiplyAdd({right}{Int(c)}, {left}, {Acc(i, c, set)});");
                    }
                }
            }

            private void Advance(int steps)
            {
                if (_product.Left is not null)
                {
                    _w.Line($"{LeftK} += {_product.L("0", Int(steps))};");
                }

                _w.Line($"{RightK} += {_product.R(Int(steps), "0")};");
            }

            public void EmitStore()
            {
                for (int i = 0; i < _rows; i++)
                {
                    for (int c = 0; c < _columns.Length; c++)
                    {
                        _w.Line($"{_width.Vector}.StoreUnsafe({Acc(i, c, 0)}, ref {_product.OutName}, {NativeOffset(_product.O(Row(i), _columns[c]))});");
                    }
                }
            }
        }

        /// <summary>Columns from <paramref name="first"/> on, one scalar at a time (the whole product where no vector fits).</summary>
        private static void EmitScalar(SourceWriter w, NetworkSpec net, Product product, int first)
        {
            if (first >= product.Columns)
            {
                return;
            }

            string t = net.Scalar;
            bool oneRow = product.RowCount == "1"; // a single row needs no loop over rows: row 0
            string r = oneRow ? "0" : "r";
            string start = product.Start switch
            {
                "bias" => "Unsafe.Add(ref bias, c)",
                "accumulate" => $"Unsafe.Add(ref {product.OutName}, {product.O(r, "c")})",
                _ => net.IsDouble ? "0d" : "0f",
            };
            if (!oneRow)
            {
                w.Open($"for (int r = 0; r < {product.RowCount}; r++)");
            }

            w.Open($"for (int c = {Int(first)}; c < {Int(product.Columns)}; c++)");
            w.Line($"{t} sum = {start};");
            w.Open($"for (int k = 0; k < {product.Inner}; k++)");
            string right = $"Unsafe.Add(ref {product.RightRef}, {product.R("k", "c")})";
            w.Line(product.Left is null
                ? $"sum += {right};"
                : $"sum += Unsafe.Add(ref {product.LeftRef}, {product.L(r, "k")}) * {right};");
            w.Close();
            w.Line($"Unsafe.Add(ref {product.OutName}, {product.O(r, "c")}) = sum;");
            w.Close();
            if (!oneRow)
            {
                w.Close();
            }
        }
    }
}
