using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;
using static NetGen.Generator.Emitting.Formatting;

namespace NetGen.Generator.Emitting
{
    /// <summary>Writes the batched passes, <c>ForwardBatch</c> and <c>BackwardBatch</c>, and their per-layer kernels.</summary>
    /// <remarks>
    /// Samples are row-major (<c>X[s * n + j]</c>), as the caller passes them, and run in tiles (<see cref="TileFor"/>).
    /// Every layer is then three small matrix products, each a register-blocked kernel with constant sizes:
    /// forward <c>A = X W + b</c>; backward <c>dW += X^T dA</c> (the tile is the inner dimension, so each gradient is
    /// loaded and stored once per tile, not once per sample) and <c>dX = dA W^T</c>, with W^T copied once per call.
    /// A kernel block keeps 4 rows x up to 4 column vectors in registers: every weight vector loaded serves 4 samples.
    /// Activations and the fused output error run over the whole tile at once; softmax, maxout and the losses per row.
    /// </remarks>
    internal static class BatchEmitter
    {
        /// <summary>Scratch per tile: a tile's activations and gradients stay in the second-level cache.</summary>
        private const int TileBytes = 128 * 1024;

        /// <summary>Samples per tile: as many as fit <see cref="TileBytes"/>, a power of two from 16 to 256. Small
        /// networks get large tiles, which spread each kernel call and each gradient load over more samples.</summary>
        public static int TileFor(NetworkSpec net, ScratchLayout scratch)
        {
            long perSample = Math.Max(1L, (long)scratch.BackwardLength * (net.IsDouble ? 8 : 4));
            int tile = 16;
            while (tile < 256 && (tile * 2L * perSample) <= TileBytes)
            {
                tile *= 2;
            }

            return tile;
        }


        private const string Simd = "global::NetGen.Runtime.Simd";
        private const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";
        private const string Activations = "global::NetGen.Runtime.Activations";
        private const string Losses = "global::NetGen.Runtime.Losses";

        private sealed class Path
        {
            public Path(string vector, int bytes, int groupVectors)
            {
                Vector = vector;
                Bytes = bytes;
                GroupVectors = groupVectors;
            }

            public string Vector { get; }

            public int Bytes { get; }

            /// <summary>Column vectors per register block: 4 x 4 accumulators need the 32 registers of AVX-512; AVX2
            /// and Neon paths keep 4 x 2.</summary>
            public int GroupVectors { get; }

            public int Lanes(bool isDouble) => Bytes / (isDouble ? 8 : 4);
        }

        private static readonly Path[] Paths =
        {
            new("global::System.Runtime.Intrinsics.Vector512", 64, 4),
            new("global::System.Runtime.Intrinsics.Vector256", 32, 2),
            new("global::System.Runtime.Intrinsics.Vector128", 16, 2),
        };

        /// <summary>The scratch a batched pass needs after its tile: W^T of layers 2..L, then dW^T of the narrow layers.</summary>
        public static int TransposedLength(NetworkSpec net) =>
            net.Layers.Where(l => l.Number > 1).Sum(l => l.WeightCount) + net.Layers.Where(l => TransposedGradient(net, l)).Sum(l => l.WeightCount);

        /// <summary>Whether a layer sums its weight gradient output-major, <c>dW^T[i, :] += sum_r dA[r, i] X[r, :]</c>:
        /// when its outputs are fewer than the widest vector's lanes and at most a quarter of its inputs (W3's 16-to-4
        /// layer, MNIST's 128-to-10), rows of inputs fill whole vectors where rows of outputs would leave most lanes
        /// empty (or fall to scalars). Wide layers keep the input-major sum, which needs no scratch and no final add.</summary>
        private static bool TransposedGradient(NetworkSpec net, LayerSpec layer) =>
            layer.AffineOutputs < Paths[0].Lanes(net.IsDouble) && layer.AffineOutputs * 4 <= layer.FanIn;

        public static void EmitMembers(SourceWriter w, NetworkSpec net, ScratchLayout scratch, string generatedCode)
        {
            string t = net.Scalar;
            string span = $"global::System.Span<{t}>";
            string readOnlySpan = $"global::System.ReadOnlySpan<{t}>";

            int tile = TileFor(net, scratch);
            w.Line($"private const int BatchTile = {Int(tile)};");
            w.Line();

            // ForwardBatch
            w.Line("/// <summary>Runs the forward pass for a block of samples stored row-major: sample s is");
            w.Line("/// <c>inputs[s * InputSize ..]</c> and its output goes to <c>outputs[s * OutputSize ..]</c>. The batched kernels");
            w.Line("/// share every weight load across samples; the outputs equal <see cref=\"Forward\"/>'s to rounding. Allocates nothing");
            w.Line("/// after the first call on a thread.</summary>");
            w.Line("/// <param name=\"inputs\">The inputs, a whole number of samples of <see cref=\"InputSize\"/> values.</param>");
            w.Line("/// <param name=\"outputs\">Receives the outputs, <see cref=\"OutputSize\"/> values per sample.</param>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; nothing is written.</exception>");
            w.Line(generatedCode);
            w.Open($"public void ForwardBatch({readOnlySpan} inputs, {span} outputs)");
            w.Line("int count = global::NetGen.Runtime.Guard.BatchCount(inputs.Length, InputSize, nameof(inputs));");
            w.Line("global::NetGen.Runtime.Guard.BatchLength(outputs.Length, count, OutputSize, nameof(outputs));");
            w.Line($"{readOnlySpan} p = _parameters;");
            w.Line($"{span} s = global::NetGen.Runtime.Scratch<{t}>.Get(ForwardScratchLength * BatchTile);");
            w.Open("for (int start = 0; start < count; start += BatchTile)");
            w.Line("int rows = global::System.Math.Min(BatchTile, count - start);");
            w.Line($"{readOnlySpan} h0 = inputs.Slice(start * InputSize, rows * InputSize);");
            w.Line();
            EmitForwardLayers(w, net, scratch, tile);
            w.Line($"h{Int(net.Output.Number)}.CopyTo(outputs.Slice(start * OutputSize, rows * OutputSize));");
            w.Close();
            w.Close();
            w.Line();

            // BackwardBatch into Gradients
            w.Line("/// <summary>Runs forward, loss and backpropagation for a block of samples stored row-major, adds the sum of their");
            w.Line("/// gradients to <see cref=\"Gradients\"/> and returns the sum of their losses: <see cref=\"Backward\"/> for every sample,");
            w.Line("/// to rounding, with the batched kernels. Allocates nothing after the first call on a thread.</summary>");
            w.Line("/// <param name=\"inputs\">The inputs, a whole number of samples of <see cref=\"InputSize\"/> values.</param>");
            w.Line("/// <param name=\"targets\">The targets, <see cref=\"OutputSize\"/> values per sample.</param>");
            w.Line("/// <returns>The sum of the samples' losses.</returns>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; nothing is written.</exception>");
            w.Line(generatedCode);
            w.Line($"public {t} BackwardBatch({readOnlySpan} inputs, {readOnlySpan} targets) => BackwardBatch(inputs, targets, _gradients);");
            w.Line();

            // BackwardBatch into a caller's buffer
            w.Line("/// <summary>As <see cref=\"BackwardBatch(global::System.ReadOnlySpan{" + t + "}, global::System.ReadOnlySpan{" + t + "})\"/>, adding the gradient sum to");
            w.Line("/// <paramref name=\"gradients\"/>. Only reads the network: threads may call it at once, each with its own buffer.</summary>");
            w.Line("/// <param name=\"inputs\">The inputs, a whole number of samples of <see cref=\"InputSize\"/> values.</param>");
            w.Line("/// <param name=\"targets\">The targets, <see cref=\"OutputSize\"/> values per sample.</param>");
            w.Line("/// <param name=\"gradients\">Receives the gradient sum (added), in the layout of <see cref=\"Parameters\"/>.</param>");
            w.Line("/// <returns>The sum of the samples' losses.</returns>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; nothing is written.</exception>");
            w.Line(generatedCode);
            w.Open($"public {t} BackwardBatch({readOnlySpan} inputs, {readOnlySpan} targets, {span} gradients)");
            w.Line("int count = global::NetGen.Runtime.Guard.BatchCount(inputs.Length, InputSize, nameof(inputs));");
            w.Line("global::NetGen.Runtime.Guard.BatchLength(targets.Length, count, OutputSize, nameof(targets));");
            w.Line("global::NetGen.Runtime.Guard.Length(gradients.Length, ParameterCount, nameof(gradients));");
            w.Line($"{readOnlySpan} p = _parameters;");
            w.Line($"{span} g = gradients;");
            int transposed = TransposedLength(net);
            w.Line($"{span} scratch = global::NetGen.Runtime.Scratch<{t}>.Get((BackwardScratchLength * BatchTile) + {Int(transposed)});");
            w.Line($"{span} s = scratch.Slice(0, BackwardScratchLength * BatchTile);");
            int offset = 0;
            foreach (LayerSpec layer in net.Layers.Where(l => l.Number > 1))
            {
                string k = Int(layer.Number);
                w.Line($"{span} wt{k} = scratch.Slice((BackwardScratchLength * BatchTile) + {Int(offset)}, {Int(layer.WeightCount)}); // W{k}^T, output-major, for dh{Int(layer.Number - 1)} = da{k} W{k}");
                w.Line($"global::NetGen.Runtime.Kernels.Transpose<{t}>(p.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)}), {Int(layer.FanIn)}, {Int(layer.AffineOutputs)}, wt{k});");
                offset += layer.WeightCount;
            }

            foreach (LayerSpec layer in net.Layers.Where(l => TransposedGradient(net, l)))
            {
                string k = Int(layer.Number);
                w.Line($"{span} dwt{k} = scratch.Slice((BackwardScratchLength * BatchTile) + {Int(offset)}, {Int(layer.WeightCount)}); // dW{k}^T, output-major, summed over the tiles");
                w.Line($"dwt{k}.Clear();");
                offset += layer.WeightCount;
            }

            w.Line($"{t} loss = {(net.IsDouble ? "0d" : "0f")};");
            w.Open("for (int start = 0; start < count; start += BatchTile)");
            w.Line("int rows = global::System.Math.Min(BatchTile, count - start);");
            w.Line($"{readOnlySpan} h0 = inputs.Slice(start * InputSize, rows * InputSize);");
            w.Line($"{readOnlySpan} target = targets.Slice(start * OutputSize, rows * OutputSize);");
            w.Line();
            EmitForwardLayers(w, net, scratch, tile);
            EmitLoss(w, net);
            EmitBackwardLayers(w, net, scratch, tile);
            w.Close();
            foreach (LayerSpec layer in net.Layers.Where(l => TransposedGradient(net, l)))
            {
                w.Line($"// dW{Int(layer.Number)} += (dW{Int(layer.Number)}^T summed over the tiles)^T");
                w.Line($"global::NetGen.Runtime.Kernels.AddTransposed<{t}>(dwt{Int(layer.Number)}, {Int(layer.AffineOutputs)}, {Int(layer.FanIn)}, g.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)}));");
            }

            w.Line();
            w.Line("return loss;");
            w.Close();

            foreach (LayerSpec layer in net.Layers)
            {
                w.Line();
                EmitForwardKernel(w, net, layer);
                w.Line();
                EmitBackwardKernel(w, net, layer);
            }
        }

        /// <summary>The tile's slice of a per-sample scratch vector: <c>s.Slice(offset * tile, length * rows)</c>.</summary>
        private static string Slice(ScratchLayout scratch, string name, int tile)
        {
            (int offset, int length) = scratch.Range(name);
            return $"s.Slice({Int(offset * tile)}, {Int(length)} * rows)";
        }

        private static void EmitForwardLayers(SourceWriter w, NetworkSpec net, ScratchLayout scratch, int tile)
        {
            string t = net.Scalar;
            foreach (LayerSpec layer in net.Layers)
            {
                string k = Int(layer.Number);
                string prev = Int(layer.Number - 1);
                int m = layer.AffineOutputs;
                w.Line($"// Layer {k}, for the tile's rows: A{k} = H{prev} W{k} + b{k};  H{k} = g(A{k})");
                string h = layer.IsIdentity ? $"a{k}" : Slice(scratch, $"h{k}", tile);
                w.Line($"global::System.Span<{t}> a{k} = {Slice(scratch, $"a{k}", tile)}, h{k} = {h};");
                w.Line($"AffineBatch{k}(p.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)}), p.Slice({Int(layer.BiasOffset)}, {Int(m)}), h{prev}, a{k}, rows);");
                if (layer.Kind == LayerKind.Maxout)
                {
                    w.Line($"for (int r = 0; r < rows; r++) {Activations}.Maxout<{t}>(a{k}.Slice(r * {Int(m)}, {Int(m)}), {Int(layer.Pieces)}, h{k}.Slice(r * {Int(layer.Units)}, {Int(layer.Units)}));");
                }
                else
                {
                    // Elementwise activations run over the whole tile at once; softmax is per sample.
                    string? call = layer.Activation == ActivationKind.Softmax
                        ? $"for (int r = 0; r < rows; r++) {Activations}.Softmax<{t}>(a{k}.Slice(r * {Int(m)}, {Int(m)}), h{k}.Slice(r * {Int(m)}, {Int(m)}));"
                        : PassEmitter.ElementwiseForward(net, layer);
                    if (call is not null)
                    {
                        w.Line(call);
                    }
                }

                w.Line();
            }
        }

        private static void EmitLoss(SourceWriter w, NetworkSpec net)
        {
            string t = net.Scalar;
            LayerSpec output = net.Output;
            string l = Int(output.Number);
            string u = Int(output.Units);
            string m = Int(output.AffineOutputs);
            switch (net.Loss)
            {
                case LossKind.CrossEntropy:
                    w.Line("// Loss, sample by sample (the log-sum-exp is per sample), in the stable form of Backward");
                    w.Line($"for (int r = 0; r < rows; r++) loss += {Losses}.CrossEntropyFromLogits<{t}>(a{l}.Slice(r * {m}, {m}), target.Slice(r * {u}, {u}));");
                    break;
                case LossKind.BinaryCrossEntropy:
                    w.Line("// Loss: a sum over every output of every sample, so the whole tile at once, in the stable form of Backward");
                    w.Line($"loss += {Losses}.BinaryCrossEntropyFromLogits<{t}>(a{l}, target);");
                    break;
                default:
                    w.Line("// Loss: a sum over every output of every sample, so the whole tile at once");
                    w.Line($"loss += {Losses}.HalfSquaredError<{t}>(h{l}, target);");
                    break;
            }
        }

        private static void EmitBackwardLayers(SourceWriter w, NetworkSpec net, ScratchLayout scratch, int tile)
        {
            string t = net.Scalar;
            LayerSpec output = net.Output;
            string l = Int(output.Number);
            w.Line();
            if (net.Loss == LossKind.MeanSquaredError)
            {
                w.Line($"// Output: dH{l} = Y - D");
                w.Line($"global::System.Span<{t}> dh{l} = {Slice(scratch, $"dh{l}", tile)};");
                w.Line($"{Losses}.OutputError<{t}>(h{l}, target, dh{l});");
            }
            else
            {
                w.Line($"// Output: the fused gradient dA{l} = Y - D");
                w.Line($"global::System.Span<{t}> da{l} = {Slice(scratch, $"da{l}", tile)};");
                w.Line($"{Losses}.OutputError<{t}>(h{l}, target, da{l});");
            }

            w.Line();
            for (int i = net.Layers.Count - 1; i >= 0; i--)
            {
                LayerSpec layer = net.Layers[i];
                string k = Int(layer.Number);
                string prev = Int(layer.Number - 1);
                int m = layer.AffineOutputs;
                bool fused = i == net.Layers.Count - 1 && net.Loss != LossKind.MeanSquaredError;
                string dwSum = TransposedGradient(net, layer) ? $"dW{k}^T += dA{k}^T H{prev} (in dwt{k})" : $"dW{k} += H{prev}^T dA{k}";
                w.Line(layer.Number > 1
                    ? $"// Layer {k} backward: {dwSum};  db{k} += column sums of dA{k};  dH{prev} = dA{k} W{k}^T"
                    : $"// Layer {k} backward: {dwSum};  db{k} += column sums of dA{k}");
                if (!fused)
                {
                    if (layer.IsIdentity)
                    {
                        w.Line($"global::System.Span<{t}> da{k} = dh{k};");
                    }
                    else
                    {
                        w.Line($"global::System.Span<{t}> da{k} = {Slice(scratch, $"da{k}", tile)};");
                        string units = Int(layer.Units);
                        w.Line(layer.Kind == LayerKind.Maxout
                            ? $"for (int r = 0; r < rows; r++) {Activations}.MaxoutBackward<{t}>(a{k}.Slice(r * {Int(m)}, {Int(m)}), h{k}.Slice(r * {units}, {units}), dh{k}.Slice(r * {units}, {units}), {Int(layer.Pieces)}, da{k}.Slice(r * {Int(m)}, {Int(m)}));"
                            : layer.Activation == ActivationKind.Softmax
                                ? $"for (int r = 0; r < rows; r++) {Activations}.SoftmaxBackward<{t}>(h{k}.Slice(r * {Int(m)}, {Int(m)}), dh{k}.Slice(r * {Int(m)}, {Int(m)}), da{k}.Slice(r * {Int(m)}, {Int(m)}));"
                                : PassEmitter.ElementwiseBackward(net, layer)!);
                    }
                }

                string dw = TransposedGradient(net, layer) ? $"dwt{k}" : $"g.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)})";
                string gradients = $"{dw}, g.Slice({Int(layer.BiasOffset)}, {Int(m)})";
                if (layer.Number > 1)
                {
                    w.Line($"global::System.Span<{t}> dh{prev} = {Slice(scratch, $"dh{prev}", tile)};");
                    w.Line($"AffineBatchBackward{k}(wt{k}, h{prev}, da{k}, {gradients}, dh{prev}, rows);");
                }
                else
                {
                    w.Line($"AffineBatchBackward{k}(h{prev}, da{k}, {gradients}, rows);");
                }

                w.Line();
            }
        }

        // ---- Kernels ----------------------------------------------------------------------------------------------

        /// <summary><c>C[r, c] (+)= sum_k A(r, k) B[k, c]</c> over <c>rows</c> rows and constant columns: the one shape
        /// behind all three products. Each operand is a strided view: <c>A(r, k) = aRef[r * ARowStride + k * AInnerStride]</c>,
        /// <c>B[k, c] = bRef[k * BInnerStride + c]</c>, <c>C[r, c] = cRef[r * CRowStride + c]</c>.</summary>
        private sealed class Product
        {
            public string RowCount { get; set; } = "rows";

            public string Inner { get; set; } = "0";

            public int Columns { get; set; }

            /// <summary>False for A all ones (the column sums of B).</summary>
            public bool HasA { get; set; } = true;

            public int ARowStride { get; set; }

            public int AInnerStride { get; set; }

            public int BInnerStride { get; set; }

            public int CRowStride { get; set; }

            /// <summary>How C starts: "bias" (<c>biasRef</c> at c), "zero", or "accumulate" (C's own value).</summary>
            public string Start { get; set; } = "zero";

            public string A(string r, string k) => Offset(r, ARowStride, k, AInnerStride);

            public string B(string k, string c) => Offset(k, BInnerStride, c, 1);

            public string C(string r, string c) => Offset(r, CRowStride, c, 1);

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
            w.Line($"/// <summary>Layer {k} for a tile: <c>A[r, :] = b{k} + sum_j X[r, j] W{k}[j, :]</c>, X rows x {Int(n)}, A rows x {Int(m)}, W{k} input-major.</summary>");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            w.Open($"private static void AffineBatch{k}(global::System.ReadOnlySpan<{t}> W, global::System.ReadOnlySpan<{t}> b, global::System.ReadOnlySpan<{t}> X, global::System.Span<{t}> A, int rows)");
            w.Line($"ref {t} aRef = ref {Marshal}.GetReference(X);");
            w.Line($"ref {t} bRef = ref {Marshal}.GetReference(W);");
            w.Line($"ref {t} biasRef = ref {Marshal}.GetReference(b);");
            w.Line($"ref {t} cRef = ref {Marshal}.GetReference(A);");
            EmitProduct(w, net, new Product
            {
                Inner = Int(n),
                Columns = m,
                ARowStride = n,
                AInnerStride = 1,
                BInnerStride = m,
                CRowStride = m,
                Start = "bias",
            });
            w.Close();
        }

        private static void EmitBackwardKernel(SourceWriter w, NetworkSpec net, LayerSpec layer)
        {
            string t = net.Scalar;
            int n = layer.FanIn, m = layer.AffineOutputs;
            string k = Int(layer.Number);
            bool hasDx = layer.Number > 1;
            string dwSum = TransposedGradient(net, layer)
                ? $"<c>dW{k}^T[i, :] += sum_r dA[r, i] X[r, :]</c> (dW is the output-major buffer)"
                : $"<c>dW{k}[j, :] += sum_r X[r, j] dA[r, :]</c>";
            w.Line($"/// <summary>Layer {k} backward for a tile: {dwSum}; <c>db{k} += sum_r dA[r, :]</c>{(hasDx ? $"; <c>dX[r, :] = sum_i dA[r, i] W{k}^T[i, :]</c>" : string.Empty)}.</summary>");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            string wt = hasDx ? $"global::System.ReadOnlySpan<{t}> WT, " : string.Empty;
            string dx = hasDx ? $", global::System.Span<{t}> dX" : string.Empty;
            w.Open($"private static void AffineBatchBackward{k}({wt}global::System.ReadOnlySpan<{t}> X, global::System.ReadOnlySpan<{t}> dA, global::System.Span<{t}> dW, global::System.Span<{t}> db{dx}, int rows)");
            // Input-major, dW += X^T dA has a row per input; output-major, dW^T += dA^T X has a row per output. Both are
            // C[r, c] += sum_k A[k, r] B[k, c] over the tile, with X and dA swapped.
            bool outputMajor = TransposedGradient(net, layer);
            (string a, string b, int rowsOfC, int columnsOfC) = outputMajor ? ("dA", "X", m, n) : ("X", "dA", n, m);
            w.Block(outputMajor
                ? "// dW^T += dA^T X, output-major: each output's row of input gradients fills whole vectors"
                : "// dW += X^T dA: the tile is the inner dimension, so each gradient is loaded and stored once per tile");
            w.Line($"ref {t} aRef = ref {Marshal}.GetReference({a});");
            w.Line($"ref {t} bRef = ref {Marshal}.GetReference({b});");
            w.Line($"ref {t} cRef = ref {Marshal}.GetReference(dW);");
            EmitProduct(w, net, new Product
            {
                RowCount = Int(rowsOfC),
                Inner = "rows",
                Columns = columnsOfC,
                ARowStride = 1,
                AInnerStride = rowsOfC,
                BInnerStride = columnsOfC,
                CRowStride = columnsOfC,
                Start = "accumulate",
            });
            w.Close();
            w.Block("// db += the column sums of dA");
            w.Line($"ref {t} bRef = ref {Marshal}.GetReference(dA);");
            w.Line($"ref {t} cRef = ref {Marshal}.GetReference(db);");
            EmitProduct(w, net, new Product
            {
                RowCount = "1",
                Inner = "rows",
                Columns = m,
                HasA = false,
                BInnerStride = m,
                Start = "accumulate",
            });
            w.Close();
            if (hasDx)
            {
                w.Block("// dX = dA W^T");
                w.Line($"ref {t} aRef = ref {Marshal}.GetReference(dA);");
                w.Line($"ref {t} bRef = ref {Marshal}.GetReference(WT);");
                w.Line($"ref {t} cRef = ref {Marshal}.GetReference(dX);");
                EmitProduct(w, net, new Product
                {
                    Inner = Int(m),
                    Columns = n,
                    ARowStride = m,
                    AInnerStride = 1,
                    BInnerStride = n,
                    CRowStride = n,
                    Start = "zero",
                });
                w.Close();
            }

            w.Close();
        }

        /// <summary>One path per vector width (each behind <c>IsHardwareAccelerated</c>, which the JIT folds), then a scalar
        /// path. Columns are covered by the widest vectors that fit, then narrower ones, then scalars: exact, no overlap.</summary>
        private static void EmitProduct(SourceWriter w, NetworkSpec net, Product product)
        {
            string keyword = "if";
            for (int p = 0; p < Paths.Length; p++)
            {
                Path path = Paths[p];
                List<(Path Width, int Start, int Count)> segments = Segments(net, product.Columns, p);
                if (segments.Count == 0)
                {
                    continue; // nothing this wide fits: the narrower paths or the scalar one cover it
                }

                w.Open($"{keyword} ({path.Vector}.IsHardwareAccelerated)");
                keyword = "else if";
                int covered = 0, block = 0;
                foreach ((Path width, int start, int count) in segments)
                {
                    // Two or more whole groups run as a loop over column groups (IL stays small for wide layers);
                    // a single group and the remainder are written out with constant columns.
                    int lanes = width.Lanes(net.IsDouble);
                    int groupColumns = path.GroupVectors * lanes;
                    int whole = count / path.GroupVectors;
                    int looped = whole >= 2 ? whole : 0;
                    if (looped > 0)
                    {
                        string c = "c" + Int(block);
                        w.Open($"for (int {c} = {Int(start)}; {c} < {Int(start + (looped * groupColumns))}; {c} += {Int(groupColumns)})");
                        EmitBlocks(w, net, product, width, Enumerable.Range(0, path.GroupVectors).Select(v => v == 0 ? c : $"{c} + {Int(v * lanes)}").ToArray(), block++, path.GroupVectors * 4);
                        w.Close();
                    }

                    for (int g = looped * path.GroupVectors; g < count; g += path.GroupVectors)
                    {
                        int vectors = Math.Min(path.GroupVectors, count - g);
                        string[] columns = Enumerable.Range(0, vectors).Select(v => Int(start + ((g + v) * lanes))).ToArray();
                        EmitBlocks(w, net, product, width, columns, block++, path.GroupVectors * 4);
                    }

                    covered = start + (count * lanes);
                }

                EmitScalar(w, net, product, covered);
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

        private static List<(Path Width, int Start, int Count)> Segments(NetworkSpec net, int columns, int firstPath)
        {
            var segments = new List<(Path, int, int)>();
            int start = 0;
            for (int p = firstPath; p < Paths.Length; p++)
            {
                int lanes = Paths[p].Lanes(net.IsDouble);
                int count = (columns - start) / lanes;
                if (count > 0)
                {
                    segments.Add((Paths[p], start, count));
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
        private static void EmitBlocks(SourceWriter w, NetworkSpec net, Product product, Path width, string[] columns, int block, int accumulators)
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

        /// <summary>Independent FMA chains that hide the FMA latency on two pipes.</summary>
        private const int Chains = 8;

        private static void EmitBlock(SourceWriter w, NetworkSpec net, Product product, Path width, string[] columns, string r, int rows)
        {
            string t = net.Scalar;
            string v = $"{width.Vector}<{t}>";
            string Offset(string expression) => $"(nuint)({expression})";
            string Row(int i) => int.TryParse(r, out int first) ? Int(first + i) : i == 0 ? r : $"({r} + {Int(i)})";

            // A block with fewer than Chains accumulators (a bias gradient, a narrow layer's last rows) splits the inner
            // loop over interleaved sets (step k adds to set k % sets) and adds the sets in order at the end.
            int sets = Math.Min(4, Math.Max(1, Chains / (rows * columns.Length)));
            string Acc(int i, int c, int set) => set == 0 ? $"c{Int(i)}_{Int(c)}" : $"c{Int(i)}_{Int(c)}s{Int(set)}";
            for (int i = 0; i < rows; i++)
            {
                for (int c = 0; c < columns.Length; c++)
                {
                    string start = product.Start switch
                    {
                        "bias" => $"{width.Vector}.LoadUnsafe(ref biasRef, {Offset(columns[c])})",
                        "accumulate" => $"{width.Vector}.LoadUnsafe(ref cRef, {Offset(product.C(Row(i), columns[c]))})",
                        _ => $"{v}.Zero",
                    };
                    w.Line($"{v} c{Int(i)}_{Int(c)} = {start};");
                    for (int set = 1; set < sets; set++)
                    {
                        w.Line($"{v} {Acc(i, c, set)} = {v}.Zero;");
                    }
                }
            }

            // A and B are read at a native-int offset that advances along the inner dimension (ak from A(r, 0), bk from
            // B[0, 0]), so every load in the loop is base + offset + constant: no index arithmetic or sign extension per
            // FMA. Offsets rather than advancing refs: a ref must never point past the end of its array, even unused.
            const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
            if (product.HasA)
            {
                w.Line($"ref {t} aRow = ref {Unsafe}.Add(ref aRef, {product.A(r, "0")});");
                w.Line("nint ak = 0;");
            }

            w.Line("nint bk = 0;");
            void Step(int set)
            {
                for (int c = 0; c < columns.Length; c++)
                {
                    string column = set == 0 ? columns[c] : product.B(Int(set), columns[c]);
                    w.Line($"{v} b{Int(c)} = {width.Vector}.LoadUnsafe(ref bRef, (nuint)(bk + {column}));");
                }

                for (int i = 0; i < rows; i++)
                {
                    if (!product.HasA)
                    {
                        for (int c = 0; c < columns.Length; c++)
                        {
                            w.Line($"{Acc(i, c, set)} += b{Int(c)};");
                        }

                        continue;
                    }

                    string a = product.A(Int(i), Int(set));
                    w.Line($"{v} a{Int(i)} = {width.Vector}.Create({Unsafe}.Add(ref aRow, {(a == "0" ? "ak" : $"ak + {a}")}));");
                    for (int c = 0; c < columns.Length; c++)
                    {
                        w.Line($"{Acc(i, c, set)} = {Simd}.MultiplyAdd(b{Int(c)}, a{Int(i)}, {Acc(i, c, set)});");
                    }
                }
            }

            void Advance(int steps)
            {
                if (product.HasA)
                {
                    w.Line($"ak += {product.A("0", Int(steps))};");
                }

                w.Line($"bk += {product.B(Int(steps), "0")};");
            }

            if (sets == 1)
            {
                w.Open($"for (int k = 0; k < {product.Inner}; k++)");
                Step(0);
                Advance(1);
                w.Close();
            }
            else
            {
                w.Line("int k = 0;");
                w.Open($"for (; k + {Int(sets)} <= {product.Inner}; k += {Int(sets)})");
                for (int set = 0; set < sets; set++)
                {
                    w.Block();
                    Step(set);
                    w.Close();
                }

                Advance(sets);
                w.Close();
                for (int i = 0; i < rows; i++)
                {
                    for (int c = 0; c < columns.Length; c++)
                    {
                        string sum = string.Join(" + ", Enumerable.Range(1, sets - 1).Select(set => Acc(i, c, set)));
                        w.Line($"c{Int(i)}_{Int(c)} += {sum};");
                    }
                }

                w.Open($"for (; k < {product.Inner}; k++)");
                Step(0);
                Advance(1);
                w.Close();
            }

            for (int i = 0; i < rows; i++)
            {
                for (int c = 0; c < columns.Length; c++)
                {
                    w.Line($"{width.Vector}.StoreUnsafe(c{Int(i)}_{Int(c)}, ref cRef, {Offset(product.C(Row(i), columns[c]))});");
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
            string start = product.Start switch
            {
                "bias" => "global::System.Runtime.CompilerServices.Unsafe.Add(ref biasRef, c)",
                "accumulate" => $"global::System.Runtime.CompilerServices.Unsafe.Add(ref cRef, {product.C("r", "c")})",
                _ => net.IsDouble ? "0d" : "0f",
            };
            w.Open($"for (int r = 0; r < {product.RowCount}; r++)");
            w.Open($"for (int c = {Int(first)}; c < {Int(product.Columns)}; c++)");
            w.Line($"{t} sum = {start};");
            w.Open($"for (int k = 0; k < {product.Inner}; k++)");
            string b = $"global::System.Runtime.CompilerServices.Unsafe.Add(ref bRef, {product.B("k", "c")})";
            w.Line(!product.HasA
                ? $"sum += {b};"
                : $"sum += global::System.Runtime.CompilerServices.Unsafe.Add(ref aRef, {product.A("r", "k")}) * {b};");
            w.Close();
            w.Line($"global::System.Runtime.CompilerServices.Unsafe.Add(ref cRef, {product.C("r", "c")}) = sum;");
            w.Close();
            w.Close();
        }
    }
}
