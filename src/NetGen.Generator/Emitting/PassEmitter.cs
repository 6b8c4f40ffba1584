using System.Linq;
using NetGen.Generator.Model;
using static NetGen.Generator.Emitting.Formatting;
using static NetGen.Generator.Invariant;

namespace NetGen.Generator.Emitting
{
    /// <summary>Writes the bodies of the public passes: the forward pass layer by layer, the loss, and backpropagation in
    /// exact reverse order, each layer under a banner that states its equation.</summary>
    internal static class PassEmitter
    {
        private const string Activations = Names.Activations;
        private const string Losses = Names.Losses;

        /// <summary>The forward pass into scratch <c>s</c>, from <c>h0</c>, with parameters <c>p</c>. For an inference pass
        /// (<paramref name="inference"/>) of a network whose output is its logits, the output softmax, which only the loss
        /// needs, is left out.</summary>
        public static void EmitForwardLayers(SourceWriter w, NetworkSpec net, ScratchLayout scratch, bool inference = false)
        {
            string t = net.Scalar;
            foreach (LayerSpec layer in net.Layers)
            {
                string k = Int(layer.Number);
                string prev = Int(layer.Number - 1);
                w.Line(Banner(layer));
                string h = layer.IsIdentity || PoolsBeforeReLU(net, layer, inference) ? $"a{k}" : scratch.Slice($"h{k}");
                w.Line($"global::System.Span<{t}> a{k} = {scratch.Slice($"a{k}")}, h{k} = {h};");
                if (layer.IsSpatial)
                {
                    SpatialEmitter.EmitForward(w, net, layer, batched: false);
                }
                else if (FusesActivation(net, layer, inference))
                {
                    // The activation is taken in registers (the same bits as the two steps); a_k is left unwritten.
                    w.Call($"{Names.QualifiedKernelClass(net.Type)}.{KernelEmitter.ActivatedName(layer)}", WithBias(layer, $"p.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)})", $"p.Slice({Int(layer.BiasOffset)}, {Int(layer.AffineOutputs)})", $"h{prev}", $"a{k}").Append($"h{k}").ToArray());
                    w.Line();
                    continue;
                }
                else if (layer.IsAffine)
                {
                    w.Call($"{Names.QualifiedKernelClass(net.Type)}.Affine{k}", WithBias(layer, $"p.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)})", $"p.Slice({Int(layer.BiasOffset)}, {Int(layer.AffineOutputs)})", $"h{prev}", $"a{k}"));
                }
                else
                {
                    string gamma = $"p.Slice({Int(layer.Offset)}, {Int(layer.NormalizedSize)})", beta = $"p.Slice({Int(layer.BiasOffset)}, {Int(layer.NormalizedSize)})";
                    if (layer.Groups == 1)
                    {
                        w.Call($"{Names.Normalization}.LayerNorm<{t}>", gamma, beta, $"h{prev}", Epsilon(net, layer), $"a{k}");
                    }
                    else
                    {
                        w.Line($"// {Int(layer.Groups)} groups of {Int(layer.NormalizedSize)} values, each normalised on its own");
                        w.Call($"{Names.Normalization}.LayerNormBatch<{t}>", gamma, beta, $"h{prev}", Epsilon(net, layer), $"a{k}", Int(layer.Groups));
                    }
                }

                string? call = PoolsBeforeReLU(net, layer, inference)
                    ? PoolsBeforeReLUComment(layer)
                    : ReLUAfterPool(net, layer, inference)
                    ? $"{Activations}.ReLU<{t}>(a{k}, a{k}); // layer {prev}'s relu, on the pooled values, in place"
                    : layer.Kind == LayerKind.Maxout
                    ? $"{Activations}.Maxout<{t}>(a{k}, {Int(layer.Pieces)}, h{k});"
                    : inference && net.Import?.LogSoftmax == true && layer.Number == net.Output.Number
                        ? SoftmaxCall(layer, $"{Activations}.LogSoftmax<{t}>", $"a{k}", $"a{k}") + $" // the graph ends in LogSoftmax: the output is log-softmax(a{k}), in place"
                    : SkipsOutputActivation(net, layer, inference)
                        ? $"// The output is the logits a{k}: the {ActivationName(layer)} belongs to the loss."
                        : layer.Activation == ActivationKind.Softmax
                            ? SoftmaxCall(layer, $"{Activations}.Softmax<{t}>", $"a{k}", $"h{k}")
                            : ElementwiseForward(net, layer);
                if (call is not null)
                {
                    w.Line(call);
                }

                w.Line();
            }
        }

        /// <summary>Whether the per-sample passes take <paramref name="layer"/>'s ReLU or tanh in its affine kernel
        /// (<c>Affine{k}ReLU</c>, <c>Affine{k}Tanh</c>), which stores <c>h_k</c> only: the backward pass then reads <c>h_k</c>,
        /// which for a ReLU is positive exactly where <c>a_k</c> is.</summary>
        internal static bool FusesActivation(NetworkSpec net, LayerSpec layer, bool inference) =>
            layer.IsAffine && KernelEmitter.FusesActivation(net, layer) && !SkipsOutputActivation(net, layer, inference);

        /// <summary>Whether an inference pass applies <paramref name="layer"/>'s ReLU after the max pool that follows it
        /// instead of before: <c>max_window relu(a) = relu(max_window a)</c> bit for bit (relu is monotone and exact, both
        /// keep a NaN, and relu maps both zeros to +0), on a quarter of the values for a 2 x 2 pool. Training passes keep
        /// <c>h_k</c>, which the backward pass reads.</summary>
        internal static bool PoolsBeforeReLU(NetworkSpec net, LayerSpec layer, bool inference) =>
            inference && layer.Kind == LayerKind.Convolution && layer.Activation == ActivationKind.ReLU
            && layer.Number < net.Layers.Count && net.Layers[layer.Number].Kind == LayerKind.MaxPool;

        /// <summary>Whether <paramref name="layer"/> is the max pool that takes its input's ReLU (see
        /// <see cref="PoolsBeforeReLU"/>).</summary>
        internal static bool ReLUAfterPool(NetworkSpec net, LayerSpec layer, bool inference) =>
            layer.Number > 1 && PoolsBeforeReLU(net, net.Layers[layer.Number - 2], inference);

        /// <summary>The line that stands where a pooled layer's ReLU would be.</summary>
        internal static string PoolsBeforeReLUComment(LayerSpec layer) =>
            $"// h{Int(layer.Number)} = relu(a{Int(layer.Number)}) is taken after the max pool below, on its output: max and relu commute, bit for bit.";

        /// <summary>Whether an inference pass leaves out <paramref name="layer"/>'s softmax or sigmoid: the output layer of
        /// an import whose graph ends in logits.</summary>
        internal static bool SkipsOutputActivation(NetworkSpec net, LayerSpec layer, bool inference) =>
            inference && (net.Import?.Logits == true || net.Import?.LogSoftmax == true) && layer.Number == net.Output.Number;

        /// <summary><c>T loss = ...;</c> for the output layer, in the stable form of the loss.</summary>
        public static void EmitLoss(SourceWriter w, NetworkSpec net)
        {
            string t = net.Scalar;
            string l = Int(net.Output.Number);
            switch (net.Loss)
            {
                case LossKind.CrossEntropy:
                    w.Line($"// Loss: cross-entropy of softmax(a{l}) from the logits, L = log sum_j e^(a_j - m) + m - d . a{l}");
                    w.Line($"{t} loss = {Losses}.CrossEntropyFromLogits<{t}>(a{l}, target);");
                    break;
                case LossKind.BinaryCrossEntropy:
                    w.Line($"// Loss: binary cross-entropy of sigmoid(a{l}) from the logits, L = sum max(a, 0) - a d + log(1 + e^-|a|)");
                    w.Line($"{t} loss = {Losses}.BinaryCrossEntropyFromLogits<{t}>(a{l}, target);");
                    break;
                default:
                    w.Line($"// Loss: mean squared error, L = 1/2 |h{l} - d|^2");
                    w.Line($"{t} loss = {Losses}.HalfSquaredError<{t}>(h{l}, target);");
                    break;
            }
        }

        /// <summary>Backpropagation from the loss down to layer 1, mirroring <see cref="EmitForwardLayers"/>: into the
        /// gradients <c>g</c>, or with <paramref name="sgd"/> straight into the parameters <c>p</c>, <c>theta -= eta
        /// dL/dtheta</c> layer by layer (each layer's <c>dh</c> taken before its update).</summary>
        public static void EmitBackwardLayers(SourceWriter w, NetworkSpec net, ScratchLayout scratch, bool sgd = false)
        {
            string t = net.Scalar;
            LayerSpec output = net.Output;
            string l = Int(output.Number);
            w.Line();
            if (net.Loss == LossKind.MeanSquaredError)
            {
                w.Line($"// Output: dh{l} = dL/dy = y - d");
                w.Line($"global::System.Span<{t}> dh{l} = {scratch.Slice($"dh{l}")};");
                w.Line($"{Losses}.OutputError<{t}>(h{l}, target, dh{l});");
            }
            else
            {
                w.Line($"// Output: {FusedLossName(net.Loss)} has the fused gradient da{l} = y - d");
                w.Line($"global::System.Span<{t}> da{l} = {scratch.Slice($"da{l}")};");
                w.Line($"{Losses}.OutputError<{t}>(h{l}, target, da{l});");
            }

            w.Line();
            for (int i = net.Layers.Count - 1; i >= 0; i--)
            {
                LayerSpec layer = net.Layers[i];
                string k = Int(layer.Number);
                string prev = Int(layer.Number - 1);
                bool fused = i == net.Layers.Count - 1 && net.Loss != LossKind.MeanSquaredError;
                string update = sgd ? $"W{k} -= eta da{k} h{prev}^T" : $"dW{k} += da{k} h{prev}^T";
                update += layer.HasBias ? (sgd ? $";  b{k} -= eta da{k}" : $";  db{k} += da{k}") : " (no bias)";
                string rule = layer.IsSpatial
                    ? SpatialEmitter.Rule(layer, sgd, batched: false)
                    : !layer.IsAffine
                    ? LayerNormRule(layer, sgd)
                    : layer.Number > 1
                        ? sgd ? $"dh{prev} = W{k}^T da{k};  {update}" : $"{update};  dh{prev} = W{k}^T da{k}"
                        : update;
                w.Line($"// Layer {k} backward: {(fused ? string.Empty : $"{DerivativeRule(layer, fusedForward: FusesActivation(net, layer, inference: false))};  ")}{rule}");
                if (!fused)
                {
                    EmitActivationBackward(w, net, layer, scratch, sgd);
                }

                string weights = $"p.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)})";
                int biasLength = layer.IsAffine ? layer.AffineOutputs : layer.NormalizedSize;
                string biases = $"p.Slice({Int(layer.BiasOffset)}, {Int(biasLength)})";
                string weightGradient = $"g.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)})";
                string biasGradient = $"g.Slice({Int(layer.BiasOffset)}, {Int(biasLength)})";
                if (layer.Number > 1)
                {
                    w.Line($"global::System.Span<{t}> dh{prev} = {scratch.Slice($"dh{prev}")};");
                }

                string kernels = Names.QualifiedKernelClass(net.Type);
                string[] dxArgument = layer.Number > 1 ? new[] { $"dh{prev}" } : new string[0];
                if (layer.IsSpatial)
                {
                    SpatialEmitter.EmitBackward(w, net, layer, sgd, batched: false, scratch.Has($"dp{k}") ? scratch.Slice($"dp{k}") : null);
                }
                else if (!layer.IsAffine)
                {
                    string dx = layer.Number > 1 ? $"dh{prev}" : $"global::System.Span<{t}>.Empty";
                    int g = layer.NormalizedSize;
                    if (sgd && layer.Groups == 1)
                    {
                        w.Call($"{Names.Normalization}.LayerNormSgd<{t}>", weights, biases, $"h{prev}", $"da{k}", Epsilon(net, layer), "learningRate", dx);
                    }
                    else if (sgd)
                    {
                        // The groups share gamma and beta: their gradient is summed first (as Backward sums it), then applied.
                        w.Line($"global::System.Span<{t}> dp{k} = {scratch.Slice($"dp{k}")};");
                        w.Line($"dp{k}.Clear();");
                        w.Call($"{Names.Normalization}.LayerNormBatchBackward<{t}>", weights, $"h{prev}", $"da{k}", Epsilon(net, layer), $"dp{k}.Slice(0, {Int(g)})", $"dp{k}.Slice({Int(g)}, {Int(g)})", dx, Int(layer.Groups));
                        w.Call($"{Names.Normalization}.Descend<{t}>", $"p.Slice({Int(layer.Offset)}, {Int(2 * g)})", $"dp{k}", "learningRate");
                    }
                    else if (layer.Groups == 1)
                    {
                        w.Call($"{Names.Normalization}.LayerNormBackward<{t}>", weights, $"h{prev}", $"da{k}", Epsilon(net, layer), weightGradient, biasGradient, dx);
                    }
                    else
                    {
                        w.Call($"{Names.Normalization}.LayerNormBatchBackward<{t}>", weights, $"h{prev}", $"da{k}", Epsilon(net, layer), weightGradient, biasGradient, dx, Int(layer.Groups));
                    }
                }
                else if (sgd)
                {
                    w.Call($"{kernels}.AffineSgd{k}", WithBias(layer, weights, biases, $"h{prev}", $"da{k}", "learningRate").Concat(dxArgument).ToArray());
                }
                else
                {
                    w.Call($"{kernels}.AffineBackward{k}", new[] { weights, $"h{prev}", $"da{k}", weightGradient }.Concat(layer.HasBias ? new[] { biasGradient } : new string[0]).Concat(dxArgument).ToArray());
                }

                w.Line();
            }
        }

        /// <summary>A softmax (or its backward) over the layer's vectors: one call, or one per group of
        /// <see cref="LayerSpec.SoftmaxSize"/> values.</summary>
        internal static string SoftmaxCall(LayerSpec layer, string method, params string[] vectors)
        {
            if (layer.SoftmaxGroups == 1)
            {
                return $"{method}({string.Join(", ", vectors)});";
            }

            string s = Int(layer.SoftmaxWidth);
            return $"for (int r = 0; r < {Int(layer.SoftmaxGroups)}; r++) {method}({string.Join(", ", vectors.Select(v => $"{v}.Slice(r * {s}, {s})"))}); // one softmax per group of {s}";
        }

        /// <summary>A layer normalisation's epsilon as a literal of the network's type.</summary>
        internal static string Epsilon(NetworkSpec net, LayerSpec layer) => Literal(layer.Epsilon, net.IsDouble);

        /// <summary>The backward rule of a layer normalisation, for its comment.</summary>
        internal static string LayerNormRule(LayerSpec layer, bool sgd, bool batched = false)
        {
            string k = Int(layer.Number), prev = Int(layer.Number - 1);
            string da = batched ? $"dA{k}" : $"da{k}", dh = batched ? $"dH{prev}" : $"dh{prev}";
            string update = sgd ? $"gamma{k} -= eta {da} * xhat;  beta{k} -= eta {da}" : $"dgamma{k} += {da} * xhat;  dbeta{k} += {da}";
            string dx = $"{dh} = (g - mean(g) - xhat mean(g xhat)) / sigma with g = {da} * gamma{k}";
            string each = batched ? ", row by row" : layer.Groups > 1 ? ", group by group" : string.Empty;
            return layer.Number > 1 ? $"{update};  {dx}{each}" : update + each;
        }

        /// <summary>The arguments of a kernel call with the layer's bias as the second (left out for a layer without).</summary>
        internal static string[] WithBias(LayerSpec layer, string first, string bias, params string[] rest) =>
            new[] { first }.Concat(layer.HasBias ? new[] { bias } : new string[0]).Concat(rest).ToArray();

        /// <summary>The loss and output activation whose derivative fuses to <c>da_L = y - d</c>.</summary>
        internal static string FusedLossName(LossKind loss) =>
            loss == LossKind.CrossEntropy ? "softmax with cross-entropy" : "sigmoid with binary cross-entropy";

        /// <summary>The rule <c>da_k = dh_k * g'(a_k)</c> as written for this layer's activation; batched, of the tile's
        /// matrices (<c>dA2 = dH2 * (1 - H2^2)</c>).</summary>
        internal static string DerivativeRule(LayerSpec layer, bool batched = false, bool fusedForward = false)
        {
            string k = Int(layer.Number);
            string a = batched ? $"A{k}" : $"a{k}", h = batched ? $"H{k}" : $"h{k}";
            if (fusedForward && layer.Activation == ActivationKind.ReLU)
            {
                // The fused kernel stored h only: the same mask, since h > 0 exactly where a > 0.
                a = h;
            }

            string da = batched ? $"dA{k}" : $"da{k}", dh = batched ? $"dH{k}" : $"dh{k}";
            if (layer.Kind == LayerKind.Maxout)
            {
                return $"{da} = {dh} routed to the winning piece of each unit";
            }

            return layer.Activation switch
            {
                ActivationKind.Identity => $"{da} = {dh}",
                ActivationKind.Sigmoid => $"{da} = {dh} * {h} (1 - {h})",
                ActivationKind.Tanh => $"{da} = {dh} * (1 - {h}^2)",
                ActivationKind.ReLU => $"{da} = {dh} * [{a} > 0]",
                ActivationKind.LeakyReLU => $"{da} = {dh} * ({a} > 0 ? 1 : alpha)",
                ActivationKind.ELU => $"{da} = {dh} * ({a} > 0 ? 1 : {h} + alpha)",
                ActivationKind.PReLU => $"{da} = {dh} * ({a} > 0 ? 1 : alpha{k}[c]);  dalpha{k}[c] += sum over c's values with {a} <= 0 of {dh} * {a}",
                _ => $"{da} = (diag({h}) - {h} {h}^T) {dh}{(batched ? ", row by row" : string.Empty)}",
            };
        }

        private static void EmitActivationBackward(SourceWriter w, NetworkSpec net, LayerSpec layer, ScratchLayout scratch, bool sgd)
        {
            string t = net.Scalar;
            string k = Int(layer.Number);
            if (layer.IsIdentity)
            {
                w.Line($"global::System.Span<{t}> da{k} = dh{k};");
                return;
            }

            w.Line($"global::System.Span<{t}> da{k} = {scratch.Slice($"da{k}")};");
            if (layer.SlopeCount > 0 && sgd)
            {
                // The slopes' gradient goes to scratch, then SGD's step: da took the slopes before it.
                w.Line($"global::System.Span<{t}> ds{k} = {scratch.Slice($"ds{k}")};");
                w.Line($"ds{k}.Clear();");
                w.Line(ElementwiseBackward(net, layer, $"ds{k}")!);
                w.Call($"{Names.Normalization}.Descend<{t}>", $"p.Slice({Int(layer.SlopeOffset)}, {Int(layer.SlopeCount)})", $"ds{k}", "learningRate");
                return;
            }

            w.Line(layer.Kind == LayerKind.Maxout
                ? $"{Activations}.MaxoutBackward<{t}>(a{k}, h{k}, dh{k}, {Int(layer.Pieces)}, da{k});"
                : layer.Activation == ActivationKind.Softmax
                    ? SoftmaxCall(layer, $"{Activations}.SoftmaxBackward<{t}>", $"h{k}", $"dh{k}", $"da{k}")
                    : ElementwiseBackward(net, layer, SlopeGradient(layer), FusesActivation(net, layer, inference: false) ? $"h{k}" : $"a{k}")!);
        }

        /// <summary><c>h_k = g(a_k)</c> for an elementwise activation, over spans of any length (one sample, or a tile of
        /// them); null for identity. Softmax and maxout work per sample, so their callers write them.</summary>
        internal static string? ElementwiseForward(NetworkSpec net, LayerSpec layer)
        {
            string t = net.Scalar;
            string k = Int(layer.Number);
            string alpha = Literal(layer.Alpha, net.IsDouble);
            return layer.Activation switch
            {
                ActivationKind.Sigmoid => $"{Activations}.Sigmoid<{t}>(a{k}, h{k});",
                ActivationKind.Tanh => $"{Activations}.Tanh<{t}>(a{k}, h{k});",
                ActivationKind.ReLU => $"{Activations}.ReLU<{t}>(a{k}, h{k});",
                ActivationKind.LeakyReLU => $"{Activations}.LeakyReLU<{t}>(a{k}, {alpha}, h{k});",
                ActivationKind.ELU => $"{Activations}.ELU<{t}>(a{k}, {alpha}, h{k});",
                ActivationKind.PReLU => $"{Activations}.PReLU<{t}>(a{k}, {Slopes(layer)}, {Int(layer.SlopePositions)}, h{k});",
                _ => null,
            };
        }

        /// <summary>A PReLU layer's slopes in the parameters <c>p</c>.</summary>
        internal static string Slopes(LayerSpec layer) => $"p.Slice({Int(layer.SlopeOffset)}, {Int(layer.SlopeCount)})";

        /// <summary>A PReLU layer's slope gradients in the gradients <c>g</c>.</summary>
        internal static string SlopeGradient(LayerSpec layer) => $"g.Slice({Int(layer.SlopeOffset)}, {Int(layer.SlopeCount)})";

        /// <summary><c>da_k = dh_k * g'(a_k)</c> for an elementwise activation, over spans of any length; null otherwise.
        /// A PReLU also adds its slopes' gradient to <paramref name="slopeGradient"/>.</summary>
        internal static string? ElementwiseBackward(NetworkSpec net, LayerSpec layer, string slopeGradient, string? reluInput = null)
        {
            string t = net.Scalar;
            string k = Int(layer.Number);
            string alpha = Literal(layer.Alpha, net.IsDouble);
            return layer.Activation switch
            {
                ActivationKind.Sigmoid => $"{Activations}.SigmoidBackward<{t}>(h{k}, dh{k}, da{k});",
                ActivationKind.Tanh => $"{Activations}.TanhBackward<{t}>(h{k}, dh{k}, da{k});",
                ActivationKind.ReLU => $"{Activations}.ReLUBackward<{t}>({reluInput ?? $"a{k}"}, dh{k}, da{k});",
                ActivationKind.LeakyReLU => $"{Activations}.LeakyReLUBackward<{t}>(a{k}, dh{k}, {alpha}, da{k});",
                ActivationKind.ELU => $"{Activations}.ELUBackward<{t}>(a{k}, h{k}, dh{k}, {alpha}, da{k});",
                ActivationKind.PReLU => $"{Activations}.PReLUBackward<{t}>(a{k}, dh{k}, {Slopes(layer)}, {Int(layer.SlopePositions)}, da{k}, {slopeGradient});",
                _ => null,
            };
        }
    }
}
