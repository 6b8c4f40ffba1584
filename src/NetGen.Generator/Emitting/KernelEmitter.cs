using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;
using static NetGen.Generator.Emitting.Formatting;
using static NetGen.Generator.Invariant;

namespace NetGen.Generator.Emitting
{
    /// <summary>Writes each layer's affine kernels, specialised to its exact sizes: forward <c>a = W x + b</c>, backward
    /// <c>dW += da x^T; db += da; dx = W^T da</c>, and the fused SGD step <c>dx = W^T da; W -= eta da x^T; b -= eta da</c>.</summary>
    /// <remarks>
    /// W is stored input-major, <c>W[j * m + i]</c> for input j and output i, so one input's weights are a contiguous row
    /// across the outputs. The vectorised kernels keep a group of output vectors in registers and stream the rows:
    /// forward broadcasts x_j and accumulates <c>acc += W[j, :] x_j</c>; backward updates <c>dW[j, :] += da x_j</c> and
    /// reduces <c>dx_j = W[j, :] . da</c> in the same pass (the SGD step updates W itself, after reading it for dx). A
    /// length that is not a multiple of the vector width ends with a vector that overlaps the one before it (masked where
    /// it accumulates; stored before it, see EmitBackwardGroup). Narrow forward groups spread the inputs over interleaved
    /// accumulator sets to hide the FMA latency.
    /// </remarks>
    internal static class KernelEmitter
    {
        /// <summary>Output vectors kept in registers at once: 8 accumulators plus loads fit the 16 registers of AVX2.</summary>
        private const int GroupVectors = 8;

        /// <summary>At most this many interleaved accumulator sets in a forward group (see EmitForwardGroup).</summary>
        private const int MaxAccumulatorSets = 4;

        /// <summary>Fan-ins up to this are unrolled completely; larger ones run a constant-bound loop.</summary>
        private const int UnrollFanIn = 8;

        private const string Simd = "Simd";
        private const string Unsafe = "Unsafe";
        private const string Marshal = "MemoryMarshal";

        public static void EmitForward(SourceWriter w, NetworkSpec net, LayerSpec layer)
        {
            string t = net.Scalar;
            int n = layer.FanIn, m = layer.AffineOutputs;
            string k = Int(layer.Number);
            w.Line($"/// <summary>Layer {k}: <c>a{k} = W{k} h{Int(layer.Number - 1)}{(layer.HasBias ? $" + b{k}" : string.Empty)}</c>, with W{k} {Int(m)} x {Int(n)} stored input-major (<c>W{k}[j * {Int(m)} + i]</c>).</summary>");
            w.Line(Names.KernelAttributes);
            bool hasBias = layer.HasBias;
            w.OpenMethod($"internal static void Affine{k}", hasBias
                ? new[] { $"ReadOnlySpan<{t}> W", $"ReadOnlySpan<{t}> b", $"ReadOnlySpan<{t}> x", $"Span<{t}> a" }
                : new[] { $"ReadOnlySpan<{t}> W", $"ReadOnlySpan<{t}> x", $"Span<{t}> a" });
            if (net.Unrolled)
            {
                EmitForwardUnrolled(w, t, n, m, hasBias);
            }
            else
            {
                EmitForwardVectorized(w, net, n, m, hasBias);
            }

            w.Close();
        }

        /// <summary>Whether <paramref name="layer"/>'s per-sample forward passes go through <c>Affine{k}{Activation}</c>
        /// (<see cref="EmitForwardActivated"/>): a float dense layer with a ReLU or tanh, whose outputs fill one group of
        /// whole 512-bit vectors (16 to 128 outputs, a multiple of 16), so that its affine map ends with every output in a
        /// register.</summary>
        public static bool FusesActivation(NetworkSpec net, LayerSpec layer) =>
            !net.IsDouble && !net.Unrolled && layer.Kind == LayerKind.Dense
            && layer.Activation is ActivationKind.ReLU or ActivationKind.Tanh
            && layer.AffineOutputs % Lanes512 == 0 && layer.AffineOutputs <= GroupVectors * Lanes512;

        /// <summary>The name of <paramref name="layer"/>'s fused kernel, <c>Affine{k}Tanh</c> or <c>Affine{k}ReLU</c>.</summary>
        public static string ActivatedName(LayerSpec layer) => $"Affine{Int(layer.Number)}{layer.Activation}";

        /// <summary>Fan-ins times outputs up to this are inlined into the pass: small layers, whose call and stores cost as
        /// much as their arithmetic (S's 16 x 16).</summary>
        private const int InlineWeights = 1024;

        private const int Lanes512 = 16;

        /// <summary><c>Affine{k}Tanh</c> or <c>Affine{k}ReLU</c>: <c>h = g(W x + b)</c> for the per-sample passes, with the
        /// activation applied to the accumulators before they are stored, where Vector512 is accelerated; elsewhere
        /// <c>Affine{k}</c> into <c>a</c>, then the activation. The accumulation is <c>Affine{k}</c>'s Vector512 path, line
        /// for line, and the activation is the runtime's, vector for vector, so <c>h</c> is the same to the bit as
        /// <c>Affine{k}</c> followed by <c>Activations</c>; what goes is <c>a</c>'s round trip through memory and a call (S's
        /// forward pass: about 37 to 62 ns before, 27 after, in docs/performance.md).</summary>
        public static void EmitForwardActivated(SourceWriter w, NetworkSpec net, LayerSpec layer)
        {
            int n = layer.FanIn, m = layer.AffineOutputs;
            string k = Int(layer.Number);
            string prev = Int(layer.Number - 1);
            string g = layer.Activation == ActivationKind.Tanh ? "tanh" : "relu";
            w.Line($"/// <summary>Layer {k}, fused: <c>h{k} = {g}(W{k} h{prev}{(layer.HasBias ? $" + b{k}" : string.Empty)})</c>, the {g} taken in registers before the store,");
            w.Line($"/// bit for bit <see cref=\"Affine{k}\"/> then <c>Activations.{layer.Activation}</c>. Where Vector512 is not accelerated, exactly that, with a{k} in <paramref name=\"a\"/>.</summary>");
            w.Line(n * m <= InlineWeights
                ? "[MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]"
                : Names.KernelAttributes);
            bool hasBias = layer.HasBias;
            w.OpenMethod($"internal static void {ActivatedName(layer)}", hasBias
                ? new[] { "ReadOnlySpan<float> W", "ReadOnlySpan<float> b", "ReadOnlySpan<float> x", "Span<float> a", "Span<float> h" }
                : new[] { "ReadOnlySpan<float> W", "ReadOnlySpan<float> x", "Span<float> a", "Span<float> h" });
            w.Open("if (Vector512.IsHardwareAccelerated)");
            w.Line($"ref float weights = ref {Marshal}.GetReference(W);");
            if (hasBias)
            {
                w.Line($"ref float bias = ref {Marshal}.GetReference(b);");
            }

            w.Line($"ref float input = ref {Marshal}.GetReference(x);");
            w.Line($"ref float output = ref {Marshal}.GetReference(h);");
            w.Line($"// {Int(m)} outputs as {VectorCountText(m, Lanes512)} of 16; acc += W[j, :] x[j] for every input j, then h = {g}(acc).");
            Group group = Groups(m, Lanes512).First(); // the only one: at most eight whole vectors need no loop over groups
            w.Block();
            EmitForwardGroup(w, "Vector512", "float", n, m, group.BaseOffset, group.Offsets, hasBias, $"{Names.Activations}.{layer.Activation}");
            w.Close();
            w.Line("return;");
            w.Close();
            w.Line(hasBias ? $"Affine{k}(W, b, x, a);" : $"Affine{k}(W, x, a);");
            w.Line($"{Names.Activations}.{layer.Activation}<float>(a, h);");
            w.Close();
        }

        public static void EmitBackward(SourceWriter w, NetworkSpec net, LayerSpec layer) => EmitBackwardKernel(w, net, layer, sgd: false);

        /// <summary>The fused SGD kernel of one layer, <c>AffineSgd{k}</c>: the backward kernel with the gradient applied
        /// where it is formed, <c>W -= eta (da x^T)</c> and <c>b -= eta da</c>, rounded as <c>Sgd</c> rounds them, and
        /// <c>dx = W^T da</c> from each weight before its update.</summary>
        public static void EmitSgd(SourceWriter w, NetworkSpec net, LayerSpec layer) => EmitBackwardKernel(w, net, layer, sgd: true);

        private static void EmitBackwardKernel(SourceWriter w, NetworkSpec net, LayerSpec layer, bool sgd)
        {
            string t = net.Scalar;
            int n = layer.FanIn, m = layer.AffineOutputs;
            string k = Int(layer.Number);
            string prev = Int(layer.Number - 1);
            bool hasDx = layer.Number > 1;
            string summary = sgd
                ? hasDx
                    ? $"dh{prev} = W{k}^T da{k};  W{k} -= eta da{k} h{prev}^T;  b{k} -= eta da{k}  (each weight read for dh{prev} before its update)"
                    : $"W{k} -= eta da{k} h{prev}^T;  b{k} -= eta da{k}  (the input needs no gradient)"
                : hasDx
                    ? $"dW{k} += da{k} h{prev}^T;  db{k} += da{k};  dh{prev} = W{k}^T da{k}"
                    : $"dW{k} += da{k} h{prev}^T;  db{k} += da{k}  (the input needs no gradient)";
            if (!layer.HasBias)
            {
                summary = summary.Replace($";  b{k} -= eta da{k}", string.Empty).Replace($";  db{k} += da{k}", string.Empty) + " (no bias)";
            }
            w.Line($"/// <summary>Layer {k} {(sgd ? "SGD step" : "backward")}: <c>{summary}</c>.</summary>");
            w.Line(Names.KernelAttributes);
            bool hasBias = layer.HasBias;
            var parameters = new List<string>(sgd
                ? new[] { $"Span<{t}> W", $"Span<{t}> b", $"ReadOnlySpan<{t}> x", $"ReadOnlySpan<{t}> da", $"{t} eta" }
                : new[] { $"ReadOnlySpan<{t}> W", $"ReadOnlySpan<{t}> x", $"ReadOnlySpan<{t}> da", $"Span<{t}> dW", $"Span<{t}> db" });
            if (!hasBias)
            {
                parameters.RemoveAll(p => p.EndsWith(" b", StringComparison.Ordinal) || p.EndsWith(" db", StringComparison.Ordinal));
            }
            if (hasDx)
            {
                parameters.Add($"Span<{t}> dx");
            }

            w.OpenMethod(sgd ? $"internal static void AffineSgd{k}" : $"internal static void AffineBackward{k}", parameters.ToArray());
            if (net.Unrolled)
            {
                EmitBackwardUnrolled(w, n, m, hasDx, t, sgd, hasBias);
            }
            else
            {
                EmitBackwardVectorized(w, net, n, m, hasDx, sgd, hasBias);
            }

            w.Close();
        }

        // ---- Vectorised kernels -------------------------------------------------------------------------------------

        private static void EmitForwardVectorized(SourceWriter w, NetworkSpec net, int n, int m, bool hasBias)
        {
            string t = net.Scalar;
            List<VectorWidth> widths = UsableWidths(net, m);
            if (widths.Count > 0)
            {
                w.Line($"ref {t} weights = ref {Marshal}.GetReference(W);");
                if (hasBias)
                {
                    w.Line($"ref {t} bias = ref {Marshal}.GetReference(b);");
                }

                w.Line($"ref {t} input = ref {Marshal}.GetReference(x);");
                w.Line($"ref {t} output = ref {Marshal}.GetReference(a);");
                foreach (VectorWidth width in widths)
                {
                    int lanes = width.Lanes(net.IsDouble);
                    w.Open($"if ({width.Vector}.IsHardwareAccelerated)");
                    w.Line($"// {Int(m)} outputs as {VectorCountText(m, lanes)} of {Int(lanes)}; acc += W[j, :] x[j] for every input j.");
                    foreach (Group group in Groups(m, lanes))
                    {
                        OpenGroup(w, group.Loop);
                        EmitForwardGroup(w, width.Vector, t, n, m, group.BaseOffset, group.Offsets, hasBias);
                        w.Close();
                    }

                    w.Line("return;");
                    w.Close();
                }
            }

            if (m == 1)
            {
                w.Line(hasBias ? "// One output: a[0] = b[0] + W[0, :] . x, vectorised along the inputs." : "// One output: a[0] = W[0, :] . x, vectorised along the inputs.");
                w.Line(hasBias ? $"a[0] = b[0] + Kernels.Dot<{t}>(W, x);" : $"a[0] = Kernels.Dot<{t}>(W, x);");
                return;
            }

            w.Line("// Scalar path, where SIMD is not hardware-accelerated.");
            w.Open($"for (int i = 0; i < {Int(m)}; i++)");
            w.Line(hasBias ? $"{t} sum = b[i];" : $"{t} sum = 0;");
            w.Open($"for (int j = 0; j < {Int(n)}; j++)");
            w.Line($"sum += W[j * {Int(m)} + i] * x[j];");
            w.Close();
            w.Line("a[i] = sum;");
            w.Close();
        }

        private static void EmitForwardGroup(SourceWriter w, string vector, string t, int n, int m, string baseOffset, int[] offsets, bool hasBias, string? activation = null)
        {
            // Each accumulator is a chain of dependent FMAs, one per input. A narrow group has too few chains to keep
            // both FMA units busy through the FMA latency, so it splits the inputs over interleaved sets of
            // accumulators (input j goes to set j % sets) and adds the sets at the end.
            int sets = Math.Min(MaxAccumulatorSets, Math.Max(1, GroupVectors / offsets.Length));
            sets = Math.Max(1, Math.Min(sets, n / 2));
            string Acc(int v, int set) => set == 0 ? $"acc{Int(v)}" : $"acc{Int(v)}s{Int(set)}";
            for (int v = 0; v < offsets.Length; v++)
            {
                w.Line(hasBias
                    ? $"{vector}<{t}> acc{Int(v)} = {vector}.LoadUnsafe(ref bias, {Offset(baseOffset, offsets[v])});"
                    : $"{vector}<{t}> acc{Int(v)} = {vector}<{t}>.Zero;");
                for (int set = 1; set < sets; set++)
                {
                    w.Line($"{vector}<{t}> {Acc(v, set)} = {vector}<{t}>.Zero;");
                }
            }

            void Accumulate(string row, string xj, int set)
            {
                for (int v = 0; v < offsets.Length; v++)
                {
                    w.Line($"{Acc(v, set)} = {Simd}.MultiplyAdd({vector}.LoadUnsafe(ref weights, {Offset(row, offsets[v], baseOffset)}), {xj}, {Acc(v, set)});");
                }
            }

            if (sets == 1)
            {
                ForEachInput(w, t, n, m, (row, _) => Accumulate(row, "xj", 0), vector);
            }
            else
            {
                EmitInterleavedInputs(w, vector, t, n, m, sets, Accumulate);
                for (int v = 0; v < offsets.Length; v++)
                {
                    w.Line($"acc{Int(v)} = {string.Join(" + ", Enumerable.Range(0, sets).Select(set => Acc(v, set)))};");
                }
            }

            for (int v = 0; v < offsets.Length; v++)
            {
                string value = activation is null ? $"acc{Int(v)}" : $"{activation}(acc{Int(v)})";
                w.Line($"{vector}.StoreUnsafe({value}, ref output, {Offset(baseOffset, offsets[v])});");
            }
        }

        /// <summary>The loop over inputs with <paramref name="sets"/> interleaved accumulator sets: input j adds to set
        /// j % sets, in a loop of whole rounds, then the inputs left over one by one.</summary>
        private static void EmitInterleavedInputs(SourceWriter w, string vector, string t, int n, int m, int sets, Action<string, string, int> accumulate)
        {
            int looped = n <= UnrollFanIn ? 0 : n - (n % sets);
            if (looped > 0)
            {
                w.Line($"// {Int(sets)} sets of accumulators: input j adds to set j % {Int(sets)}.");
                w.Open($"for (nuint j = 0; j < {Int(looped)}; j += {Int(sets)})");
                for (int set = 0; set < sets; set++)
                {
                    string j = set == 0 ? "j" : $"j + {Int(set)}";
                    w.Line($"{vector}<{t}> x{Int(set)} = {vector}.Create({Unsafe}.Add(ref input, {j}));");
                    accumulate(set == 0 ? $"j * {Int(m)}" : $"({j}) * {Int(m)}", $"x{Int(set)}", set);
                }

                w.Close();
            }

            for (int j = looped; j < n; j++)
            {
                w.Block($"// input {Int(j)}, set {Int(j % sets)}");
                w.Line($"{vector}<{t}> xj = {vector}.Create({Unsafe}.Add(ref input, {Int(j)}));");
                accumulate(Int(j * m), "xj", j % sets);
                w.Close();
            }
        }

        private static void EmitBackwardVectorized(SourceWriter w, NetworkSpec net, int n, int m, bool hasDx, bool sgd, bool hasBias)
        {
            EmitBackwardVectorPaths(w, net, n, m, hasDx, sgd, hasBias);
            if (m == 1)
            {
                EmitBackwardOneOutput(w, net.Scalar, hasDx, sgd, hasBias);
                return;
            }

            EmitBackwardScalar(w, net.Scalar, n, m, hasDx, sgd, hasBias);
        }

        /// <summary>One path per usable vector width, each ending in <c>return</c>: the groups of output vectors, for
        /// every input j.</summary>
        private static void EmitBackwardVectorPaths(SourceWriter w, NetworkSpec net, int n, int m, bool hasDx, bool sgd, bool hasBias)
        {
            string t = net.Scalar;
            List<VectorWidth> widths = UsableWidths(net, m);
            if (widths.Count > 0)
            {
                w.Line($"ref {t} weights = ref {Marshal}.GetReference(W);");
                w.Line($"ref {t} input = ref {Marshal}.GetReference(x);");
                w.Line($"ref {t} delta = ref {Marshal}.GetReference(da);");
                if (sgd && hasBias)
                {
                    w.Line($"ref {t} bias = ref {Marshal}.GetReference(b);");
                }
                else if (!sgd)
                {
                    w.Line($"ref {t} dw = ref {Marshal}.GetReference(dW);");
                    if (hasBias)
                    {
                        w.Line($"ref {t} dbias = ref {Marshal}.GetReference(db);");
                    }
                }

                if (hasDx)
                {
                    w.Line($"ref {t} inputGradient = ref {Marshal}.GetReference(dx);");
                }

                foreach (VectorWidth width in widths)
                {
                    int lanes = width.Lanes(net.IsDouble);
                    var groups = Groups(m, lanes).ToList();
                    w.Open($"if ({width.Vector}.IsHardwareAccelerated)");
                    string dxRule = hasDx ? ", dx[j] = W[j, :] . da" : string.Empty;
                    w.Line(sgd
                        ? $"// {Int(m)} outputs as {VectorCountText(m, lanes)} of {Int(lanes)}; for every input j: {(hasDx ? "dx[j] = W[j, :] . da, then " : string.Empty)}W[j, :] -= eta (da x[j])."
                        : $"// {Int(m)} outputs as {VectorCountText(m, lanes)} of {Int(lanes)}; for every input j: dW[j, :] += da x[j]{dxRule}.");
                    if (sgd)
                    {
                        w.Line($"{width.Vector}<{t}> step = {width.Vector}.Create(eta);");
                    }

                    bool accumulateDx = groups.Count > 1 || groups[0].Loop is not null;
                    if (hasDx && accumulateDx)
                    {
                        w.Line("dx.Clear();");
                    }

                    foreach (Group group in groups)
                    {
                        OpenGroup(w, group.Loop);
                        EmitBackwardGroup(w, width.Vector, t, n, m, lanes, group, hasDx, accumulateDx, sgd, hasBias);
                        w.Close();
                    }

                    w.Line("return;");
                    w.Close();
                }
            }
        }

        /// <summary>A one-output layer where no vector path applies: vectorised along the inputs by runtime kernels.</summary>
        private static void EmitBackwardOneOutput(SourceWriter w, string t, bool hasDx, bool sgd, bool hasBias)
        {
            if (sgd)
            {
                w.Line("// One output: dx = da[0] W[:, 0] before the update, then W[:, 0] -= eta (da[0] x), vectorised along the inputs.");
                if (hasDx)
                {
                    w.Line($"Kernels.Multiply<{t}>(W, da[0], dx);");
                }

                w.Line($"Kernels.Descend<{t}>(x, da[0], eta, W);");
                if (hasBias)
                {
                    w.Line("b[0] -= eta * da[0];");
                }

                return;
            }

            w.Line("// One output: dW[:, 0] += da[0] x and dx = da[0] W[:, 0], vectorised along the inputs.");
            w.Line($"Kernels.MultiplyAdd<{t}>(x, da[0], dW);");
            if (hasBias)
            {
                w.Line("db[0] += da[0];");
            }

            if (hasDx)
            {
                w.Line($"Kernels.Multiply<{t}>(W, da[0], dx);");
            }
        }

        /// <summary>The scalar path, where SIMD is not hardware-accelerated.</summary>
        private static void EmitBackwardScalar(SourceWriter w, string t, int n, int m, bool hasDx, bool sgd, bool hasBias)
        {
            w.Line("// Scalar path, where SIMD is not hardware-accelerated.");
            w.Open($"for (int j = 0; j < {Int(n)}; j++)");
            if (hasDx)
            {
                w.Line($"{t} sum = 0;");
            }

            w.Open($"for (int i = 0; i < {Int(m)}; i++)");
            if (hasDx)
            {
                w.Line($"sum += W[j * {Int(m)} + i] * da[i];");
            }

            w.Line(sgd ? $"W[j * {Int(m)} + i] -= eta * (da[i] * x[j]);" : $"dW[j * {Int(m)} + i] += da[i] * x[j];");
            w.Close();
            if (hasDx)
            {
                w.Line("dx[j] = sum;");
            }

            w.Close();
            if (hasBias)
            {
                w.Open($"for (int i = 0; i < {Int(m)}; i++)");
                w.Line(sgd ? "b[i] -= eta * da[i];" : "db[i] += da[i];");
                w.Close();
            }
        }

        private static void EmitBackwardGroup(SourceWriter w, string vector, string t, int n, int m, int lanes, Group group, bool hasDx, bool accumulateDx, bool sgd, bool hasBias)
        {
            string baseOffset = group.BaseOffset;
            int[] offsets = group.Offsets;
            for (int v = 0; v < offsets.Length; v++)
            {
                string load = $"{vector}.LoadUnsafe(ref delta, {Offset(baseOffset, offsets[v])})";
                int fresh = group.FreshLanes[v];
                if (fresh < lanes)
                {
                    w.Line("// overlaps the vector before: add zero there");
                    w.Line($"{vector}<{t}> d{Int(v)} = {Simd}.KeepLast({load}, {Int(fresh)});");
                }
                else
                {
                    w.Line($"{vector}<{t}> d{Int(v)} = {load};");
                }
            }

            // A last vector that overlaps the one before shares lanes with it. Storing vector by vector would make it
            // reload lanes just stored, which stalls on store forwarding, so such a group computes every vector first
            // and stores them last to first. The order matters: in the shared lanes the overlapping vector holds the old
            // value (its delta is masked to zero there) and the vector before it the new one, which must be written last.
            bool overlaps = group.FreshLanes.Any(f => f < lanes);
            var row = new BackwardRow(w, vector, t, group, overlaps, hasDx);
            ForEachInput(w, t, n, m, (at, j) =>
            {
                if (sgd)
                {
                    row.EmitSgd(at);
                }
                else
                {
                    row.EmitGradient(at);
                }

                if (hasDx)
                {
                    w.Line($"{Unsafe}.Add(ref inputGradient, {j}) {(accumulateDx ? "+=" : "=")} {Simd}.Sum(dot);");
                }
            }, vector);

            if (hasBias)
            {
                EmitBiasUpdate(w, vector, t, group, overlaps, sgd);
            }
        }

        /// <summary>The group's biases: <c>b -= eta da</c> (SGD) or <c>db += da</c>, stored as the weights are.</summary>
        private static void EmitBiasUpdate(SourceWriter w, string vector, string t, Group group, bool overlaps, bool sgd)
        {
            string baseOffset = group.BaseOffset;
            int[] offsets = group.Offsets;
            for (int v = 0; v < offsets.Length; v++)
            {
                string at = Offset(baseOffset, offsets[v]);
                string value = sgd ? $"{vector}.LoadUnsafe(ref bias, {at}) - (step * d{Int(v)})" : $"{vector}.LoadUnsafe(ref dbias, {at}) + d{Int(v)}";
                w.Line(overlaps ? $"{vector}<{t}> b{Int(v)} = {value};" : $"{vector}.StoreUnsafe({value}, ref {(sgd ? "bias" : "dbias")}, {at});");
            }

            if (overlaps)
            {
                StoreLastToFirst(w, vector, offsets.Length, v => $"b{Int(v)}", sgd ? "bias" : "dbias", v => Offset(baseOffset, offsets[v]));
            }
        }

        /// <summary>The body of the loop over inputs j for one group of a backward kernel: the update of row j of W (SGD)
        /// or of dW, and <c>dot = W[j, :] . da</c> for <c>dx[j]</c>.</summary>
        private sealed class BackwardRow
        {
            private readonly SourceWriter _w;
            private readonly string _vector;
            private readonly string _t;
            private readonly Group _group;
            private readonly bool _overlaps;
            private readonly bool _hasDx;

            public BackwardRow(SourceWriter w, string vector, string t, Group group, bool overlaps, bool hasDx)
            {
                _w = w;
                _vector = vector;
                _t = t;
                _group = group;
                _overlaps = overlaps;
                _hasDx = hasDx;
            }

            private string At(string row, int v) => Offset(row, _group.Offsets[v], _group.BaseOffset);

            /// <summary><c>dot = W[j, :] . da</c> (before the update), then <c>W[j, :] -= eta (da x[j])</c>.</summary>
            public void EmitSgd(string row)
            {
                string vector = _vector, t = _t;
                int count = _group.Offsets.Length;
                for (int v = 0; v < count; v++)
                {
                    _w.Line($"{vector}<{t}> w{Int(v)} = {vector}.LoadUnsafe(ref weights, {At(row, v)});");
                    if (_hasDx)
                    {
                        _w.Line(v == 0 ? $"{vector}<{t}> dot = w0 * d0;" : $"dot = {Simd}.MultiplyAdd(w{Int(v)}, d{Int(v)}, dot);");
                    }

                    if (!_overlaps)
                    {
                        _w.Line($"{vector}.StoreUnsafe(w{Int(v)} - (step * (d{Int(v)} * xj)), ref weights, {At(row, v)});");
                    }
                }

                if (_overlaps)
                {
                    StoreLastToFirst(_w, vector, count, v => $"w{Int(v)} - (step * (d{Int(v)} * xj))", "weights", v => At(row, v));
                }
            }

            /// <summary><c>dW[j, :] += da x[j]</c>, then <c>dot = W[j, :] . da</c>.</summary>
            public void EmitGradient(string row)
            {
                string vector = _vector, t = _t;
                int count = _group.Offsets.Length;
                for (int v = 0; v < count; v++)
                {
                    _w.Line($"{vector}<{t}> g{Int(v)} = {Simd}.MultiplyAdd(d{Int(v)}, xj, {vector}.LoadUnsafe(ref dw, {At(row, v)}));");
                    if (!_overlaps)
                    {
                        _w.Line($"{vector}.StoreUnsafe(g{Int(v)}, ref dw, {At(row, v)});");
                    }
                }

                if (_overlaps)
                {
                    StoreLastToFirst(_w, vector, count, v => $"g{Int(v)}", "dw", v => At(row, v));
                }

                if (_hasDx)
                {
                    _w.Line($"{vector}<{t}> dot = {vector}.LoadUnsafe(ref weights, {At(row, 0)}) * d0;");
                    for (int v = 1; v < count; v++)
                    {
                        _w.Line($"dot = {Simd}.MultiplyAdd({vector}.LoadUnsafe(ref weights, {At(row, v)}), d{Int(v)}, dot);");
                    }
                }
            }
        }

        /// <summary>Stores a group's computed vectors from the last to the first (see EmitBackwardGroup: the overlapping
        /// last vector first, so the vector before it writes the shared lanes last).</summary>
        private static void StoreLastToFirst(SourceWriter w, string vector, int count, Func<int, string> value, string target, Func<int, string> at)
        {
            for (int v = count - 1; v >= 0; v--)
            {
                w.Line($"{vector}.StoreUnsafe({value(v)}, ref {target}, {at(v)});");
            }
        }

        /// <summary>Writes the loop over inputs j (or its full unrolling for small fan-ins). The body gets the offset of
        /// row j and the expression for j; <c>xj</c> holds the broadcast input.</summary>
        private static void ForEachInput(SourceWriter w, string t, int n, int m, Action<string, string> body, string vector)
        {
            if (n <= UnrollFanIn)
            {
                for (int j = 0; j < n; j++)
                {
                    w.Block($"// input {Int(j)}");
                    w.Line($"{vector}<{t}> xj = {vector}.Create({Unsafe}.Add(ref input, {Int(j)}));");
                    body(Int(j * m), Int(j));
                    w.Close();
                }

                return;
            }

            w.Open($"for (nuint j = 0; j < {Int(n)}; j++)");
            w.Line($"{vector}<{t}> xj = {vector}.Create({Unsafe}.Add(ref input, j));");
            body($"j * {Int(m)}", "j");
            w.Close();
        }

        /// <summary>One group of output vectors kept in registers: their offsets (relative to <c>BaseOffset</c>, which is
        /// <c>o</c> inside a loop over whole groups), how many lanes of each are not covered by an earlier vector
        /// (fewer than the width only for an overlapping last vector), and the loop header if the group repeats.</summary>
        private sealed record Group(string BaseOffset, int[] Offsets, int[] FreshLanes, string? Loop);

        /// <summary>The output vectors of a layer in groups of at most <see cref="GroupVectors"/>: whole groups as a
        /// constant-bound loop over <c>o</c> when there are several, the rest (with the overlapping last vector) inline.</summary>
        private static IEnumerable<Group> Groups(int m, int lanes)
        {
            int vectors = (m + lanes - 1) / lanes;
            int groupWidth = GroupVectors * lanes;
            int wholeGroups = m % lanes == 0 ? vectors / GroupVectors : (vectors - 1) / GroupVectors;
            int start = 0;
            if (wholeGroups >= 2)
            {
                int[] offsets = Enumerable.Range(0, GroupVectors).Select(v => v * lanes).ToArray();
                yield return new Group("o", offsets, offsets.Select(_ => lanes).ToArray(), $"for (nuint o = 0; o < {Int(wholeGroups * groupWidth)}; o += {Int(groupWidth)})");
                start = wholeGroups * groupWidth;
            }

            int covered = start; // every output below this is covered by an earlier vector
            while (start < m)
            {
                var offsets = new List<int>();
                var fresh = new List<int>();
                for (int v = 0; v < GroupVectors && start + (v * lanes) < m; v++)
                {
                    int offset = Math.Min(start + (v * lanes), m - lanes);
                    offsets.Add(offset);
                    fresh.Add(offset + lanes - Math.Max(covered, offset));
                    covered = offset + lanes;
                }

                yield return new Group(string.Empty, offsets.ToArray(), fresh.ToArray(), null);
                start += GroupVectors * lanes;
            }
        }

        private static void OpenGroup(SourceWriter w, string? loop)
        {
            if (loop is null)
            {
                w.Block();
            }
            else
            {
                w.Open(loop);
            }
        }

        /// <summary>The vector widths this layer can use, widest first: only those no wider than its outputs.</summary>
        private static List<VectorWidth> UsableWidths(NetworkSpec net, int m) =>
            VectorWidth.All.Where(width => width.Lanes(net.IsDouble) <= m).ToList();

        private static string VectorCountText(int m, int lanes)
        {
            int vectors = (m + lanes - 1) / lanes;
            return vectors == 1 ? "1 vector" : $"{Int(vectors)} vectors";
        }

        private static string Offset(string baseOffset, int offset) =>
            baseOffset.Length == 0 ? Int(offset) : offset == 0 ? baseOffset : $"{baseOffset} + {Int(offset)}";

        private static string Offset(string row, int offset, string baseOffset)
        {
            string inner = Offset(baseOffset, offset);
            if (row == "0")
            {
                return inner;
            }

            if (baseOffset.Length == 0 && int.TryParse(row, out int r))
            {
                return Int(r + offset);
            }

            return inner == "0" ? row : $"{row} + {inner}";
        }

        // ---- Unrolled scalar kernels ----------------------------------------------------------------------------------

        private static void EmitForwardUnrolled(SourceWriter w, string t, int n, int m, bool hasBias)
        {
            w.Line($"{t} sum;");
            for (int i = 0; i < m; i++)
            {
                w.Line(hasBias ? $"sum = b[{Int(i)}];" : "sum = 0;");
                for (int j = 0; j < n; j++)
                {
                    w.Line($"sum += W[{Int(j * m + i)}] * x[{Int(j)}];");
                }

                w.Line($"a[{Int(i)}] = sum;");
            }
        }

        private static void EmitBackwardUnrolled(SourceWriter w, int n, int m, bool hasDx, string t, bool sgd, bool hasBias)
        {
            if (hasDx)
            {
                w.Line($"{t} sum;");
            }

            for (int j = 0; j < n; j++)
            {
                if (!sgd)
                {
                    for (int i = 0; i < m; i++)
                    {
                        w.Line($"dW[{Int(j * m + i)}] += da[{Int(i)}] * x[{Int(j)}];");
                    }
                }

                if (hasDx)
                {
                    w.Line($"sum = W[{Int(j * m)}] * da[0];");
                    for (int i = 1; i < m; i++)
                    {
                        w.Line($"sum += W[{Int(j * m + i)}] * da[{Int(i)}];");
                    }

                    w.Line($"dx[{Int(j)}] = sum;");
                }

                if (sgd)
                {
                    for (int i = 0; i < m; i++)
                    {
                        w.Line($"W[{Int(j * m + i)}] -= eta * (da[{Int(i)}] * x[{Int(j)}]);");
                    }
                }
            }

            for (int i = 0; i < m && hasBias; i++)
            {
                w.Line(sgd ? $"b[{Int(i)}] -= eta * da[{Int(i)}];" : $"db[{Int(i)}] += da[{Int(i)}];");
            }
        }
    }
}
