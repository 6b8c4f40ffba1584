using System;
using System.Linq;
using NetGen.Generator.Model;
using static NetGen.Generator.Emitting.Formatting;
using static NetGen.Generator.Invariant;

namespace NetGen.Generator.Emitting
{
    /// <summary>Writes the batched passes, <c>ForwardBatch</c> and <c>BackwardBatch</c>, into the network's
    /// <c>.Batch.g.cs</c> file; their kernels come from <see cref="BatchKernelEmitter"/>.</summary>
    /// <remarks>
    /// Samples are row-major (<c>X[s * n + j]</c>), as the caller passes them, and run in tiles (<see cref="TileFor"/>).
    /// The lecture's vectors become matrices with a row per sample: <c>H_k</c>, <c>A_k</c>, <c>dH_k</c>, <c>dA_k</c>. Every
    /// layer is then three small matrix products: forward <c>A = X W + b</c>; backward <c>dW += X^T dA</c> and
    /// <c>dX = dA W^T</c>, with W^T copied once per call. Activations and the fused output error run over the whole tile
    /// at once; softmax, maxout and the cross-entropy loss per row.
    /// </remarks>
    internal static class BatchPassEmitter
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

        /// <summary>The members the batched passes add to the network type.</summary>
        public static void EmitMembers(SourceWriter w, NetworkSpec net, ScratchLayout scratch)
        {
            int tile = TileFor(net, scratch);
            w.Line($"private const int {MemberNames.BatchTile} = {Int(tile)};");
            w.Line();
            EmitForwardBatch(w, net, scratch, tile);
            w.Line();
            EmitBackwardBatch(w, net, scratch, tile);
            w.Line();
            EmitClassifyBatch(w, net);
        }

        /// <summary><c>ClassifyBatch</c>: <c>ForwardBatch</c> over chunks whose outputs fit a small stack buffer, then the
        /// runtime's one classification rule per sample, as <c>Classify</c>.</summary>
        private static void EmitClassifyBatch(SourceWriter w, NetworkSpec net)
        {
            string t = net.Scalar;
            int chunk = Math.Max(1, 2048 / net.OutputSize);
            w.Line("/// <summary>Classifies a block of samples stored row-major, as <see cref=\"Classify\"/> does one sample, with the batched");
            w.Line("/// kernels: <paramref name=\"classes\"/>[s] receives sample s's class. Allocates nothing after the first call on a thread.</summary>");
            w.Line("/// <param name=\"inputs\">The inputs, a whole number of samples of <see cref=\"InputSize\"/> values.</param>");
            w.Line("/// <param name=\"classes\">Receives one class per sample.</param>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; nothing is written.</exception>");
            w.Line(Names.GeneratedCode);
            Names.PassAttributes(w);
            w.OpenMethod("public void ClassifyBatch", $"{Names.ReadOnlySpan(t)} inputs", "global::System.Span<int> classes");
            w.Line($"int count = {Names.Guard}.BatchCount(inputs.Length, InputSize, nameof(inputs));");
            w.Line($"{Names.Guard}.Length(classes.Length, count, nameof(classes));");
            w.Line($"const int Chunk = {Int(chunk)}; // samples whose outputs fit 8 KiB of stack");
            w.Line($"{Names.Span(t)} y = stackalloc {t}[Chunk * OutputSize];");
            w.Open("for (int start = 0; start < count; start += Chunk)");
            w.Line("int rows = global::System.Math.Min(Chunk, count - start);");
            w.Line("ForwardBatch(inputs.Slice(start * InputSize, rows * InputSize), y.Slice(0, rows * OutputSize));");
            w.Open("for (int r = 0; r < rows; r++)");
            w.Call($"classes[start + r] = {Names.Classification}.Class<{t}>", "y.Slice(r * OutputSize, OutputSize)", NetworkEmitter.ClassArguments(net));
            w.Close();
            w.Close();
            w.Close();
        }

        private static void EmitForwardBatch(SourceWriter w, NetworkSpec net, ScratchLayout scratch, int tile)
        {
            string t = net.Scalar;
            w.Line("/// <summary>Runs the forward pass for a block of samples stored row-major: sample s is");
            w.Line("/// <c>inputs[s * InputSize ..]</c> and its output goes to <c>outputs[s * OutputSize ..]</c>. The batched kernels");
            w.Line("/// share every weight load across samples; the outputs equal <see cref=\"Forward\"/>'s to rounding. Allocates nothing");
            w.Line("/// after the first call on a thread.</summary>");
            w.Line("/// <param name=\"inputs\">The inputs, a whole number of samples of <see cref=\"InputSize\"/> values.</param>");
            w.Line("/// <param name=\"outputs\">Receives the outputs, <see cref=\"OutputSize\"/> values per sample.</param>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; nothing is written.</exception>");
            w.Line(Names.GeneratedCode);
            Names.PassAttributes(w);
            w.OpenMethod("public void ForwardBatch", $"{Names.ReadOnlySpan(t)} inputs", $"{Names.Span(t)} outputs");
            w.Line($"int count = {Names.Guard}.BatchCount(inputs.Length, InputSize, nameof(inputs));");
            w.Line($"{Names.Guard}.BatchLength(outputs.Length, count, OutputSize, nameof(outputs));");
            w.Line($"{Names.ReadOnlySpan(t)} p = _parameters.Span;");
            w.Line($"{Names.Span(t)} s = {Names.Scratch(t)}.Get(ForwardScratchLength * BatchTile);");
            w.Open("for (int start = 0; start < count; start += BatchTile)");
            w.Line("int rows = global::System.Math.Min(BatchTile, count - start);");
            w.Line($"{Names.ReadOnlySpan(t)} h0 = inputs.Slice(start * InputSize, rows * InputSize);");
            w.Line();
            EmitForwardLayers(w, net, scratch, tile, inference: true);
            w.Line($"{net.OutputVector}.CopyTo(outputs.Slice(start * OutputSize, rows * OutputSize));");
            w.Close();
            w.Close();
        }

        private static void EmitBackwardBatch(SourceWriter w, NetworkSpec net, ScratchLayout scratch, int tile)
        {
            string t = net.Scalar;
            w.Line("/// <summary>Runs forward, loss and backpropagation for a block of samples stored row-major, adds the sum of their");
            w.Line("/// gradients to <see cref=\"Gradients\"/> and returns the sum of their losses: <see cref=\"Backward\"/> for every sample,");
            w.Line("/// to rounding, with the batched kernels. Allocates nothing after the first call on a thread.</summary>");
            w.Line("/// <param name=\"inputs\">The inputs, a whole number of samples of <see cref=\"InputSize\"/> values.</param>");
            w.Line("/// <param name=\"targets\">The targets, <see cref=\"OutputSize\"/> values per sample.</param>");
            w.Line("/// <returns>The sum of the samples' losses.</returns>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; nothing is written.</exception>");
            w.Line(Names.GeneratedCode);
            Names.PassAttributes(w);
            w.Line($"public {t} BackwardBatch({Names.ReadOnlySpan(t)} inputs, {Names.ReadOnlySpan(t)} targets) =>");
            w.Line("    BackwardBatch(inputs, targets, _gradients.Span);");
            w.Line();

            w.Line($"/// <summary>As <see cref=\"BackwardBatch(global::System.ReadOnlySpan{{{t}}}, global::System.ReadOnlySpan{{{t}}})\"/>, adding");
            w.Line("/// the gradient sum to <paramref name=\"gradients\"/>. Only reads the network: threads may call it at once, each with");
            w.Line("/// its own buffer.</summary>");
            w.Line("/// <param name=\"inputs\">The inputs, a whole number of samples of <see cref=\"InputSize\"/> values.</param>");
            w.Line("/// <param name=\"targets\">The targets, <see cref=\"OutputSize\"/> values per sample.</param>");
            w.Line("/// <param name=\"gradients\">Receives the gradient sum (added), in the layout of <see cref=\"Parameters\"/>.</param>");
            w.Line("/// <returns>The sum of the samples' losses.</returns>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; nothing is written.</exception>");
            w.Line(Names.GeneratedCode);
            Names.PassAttributes(w);
            w.OpenMethod($"public {t} BackwardBatch", $"{Names.ReadOnlySpan(t)} inputs", $"{Names.ReadOnlySpan(t)} targets", $"{Names.Span(t)} gradients");
            w.Line($"int count = {Names.Guard}.BatchCount(inputs.Length, InputSize, nameof(inputs));");
            w.Line($"{Names.Guard}.BatchLength(targets.Length, count, OutputSize, nameof(targets));");
            w.Line($"{Names.Guard}.Length(gradients.Length, ParameterCount, nameof(gradients));");
            w.Line($"{Names.ReadOnlySpan(t)} p = _parameters.Span;");
            w.Line($"{Names.Span(t)} g = gradients;");
            EmitTransposes(w, net);
            w.Line($"{t} loss = {(net.IsDouble ? "0d" : "0f")};");
            w.Open("for (int start = 0; start < count; start += BatchTile)");
            w.Line("int rows = global::System.Math.Min(BatchTile, count - start);");
            w.Line($"{Names.ReadOnlySpan(t)} h0 = inputs.Slice(start * InputSize, rows * InputSize);");
            w.Line($"{Names.ReadOnlySpan(t)} target = targets.Slice(start * OutputSize, rows * OutputSize);");
            w.Line();
            EmitForwardLayers(w, net, scratch, tile);
            EmitLoss(w, net);
            EmitBackwardLayers(w, net, scratch, tile);
            w.Close();
            foreach (LayerSpec layer in net.Layers.Where(l => BatchKernelEmitter.TransposedGradient(net, l)))
            {
                string k = Int(layer.Number);
                w.Line($"// dW{k} += (dW{k}^T summed over the tiles)^T");
                w.Call($"{Names.RuntimeKernels}.AddTransposed<{t}>", $"dwt{k}", Int(layer.AffineOutputs), Int(layer.FanIn), GradientSlice(layer));
            }

            w.Line();
            w.Line("return loss;");
            w.Close();
        }

        /// <summary>The scratch after the tile: W^T of layers 2..L (for <c>dH_(k-1) = dA_k W_k^T</c>), then the output-major
        /// weight gradients of the narrow layers (see <see cref="BatchKernelEmitter.TransposedGradient"/>).</summary>
        private static void EmitTransposes(SourceWriter w, NetworkSpec net)
        {
            string t = net.Scalar;
            int transposed = BatchKernelEmitter.TransposedLength(net);
            w.Line($"{Names.Span(t)} scratch = {Names.Scratch(t)}.Get((BackwardScratchLength * BatchTile) + {Int(transposed)});");
            w.Line($"{Names.Span(t)} s = scratch.Slice(0, BackwardScratchLength * BatchTile);");
            w.Line($"{Names.Span(t)} after = scratch.Slice(BackwardScratchLength * BatchTile);");
            int offset = 0;
            foreach (LayerSpec layer in net.Layers.Where(l => l.Number > 1 && l.IsAffine))
            {
                string k = Int(layer.Number);
                w.Line($"// W{k}^T, output-major, for dH{Int(layer.Number - 1)} = dA{k} W{k}^T");
                w.Line($"{Names.Span(t)} wt{k} = after.Slice({Int(offset)}, {Int(layer.WeightCount)});");
                w.Call($"{Names.RuntimeKernels}.Transpose<{t}>", $"p.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)})", Int(layer.FanIn), Int(layer.AffineOutputs), $"wt{k}");
                offset += layer.WeightCount;
            }

            foreach (LayerSpec layer in net.Layers.Where(l => BatchKernelEmitter.TransposedGradient(net, l)))
            {
                string k = Int(layer.Number);
                w.Line($"// dW{k}^T, output-major, summed over the tiles");
                w.Line($"{Names.Span(t)} dwt{k} = after.Slice({Int(offset)}, {Int(layer.WeightCount)});");
                w.Line($"dwt{k}.Clear();");
                offset += layer.WeightCount;
            }
        }

        /// <summary>The tile's slice of a per-sample scratch vector: <c>s.Slice(offset * tile, length * rows)</c>.</summary>
        private static string Slice(ScratchLayout scratch, string name, int tile)
        {
            (int offset, int length) = scratch.Range(name);
            return $"s.Slice({Int(offset * tile)}, {Int(length)} * rows)";
        }

        /// <summary>The softmaxes of a tile: one per sample, or one per group of each sample.</summary>
        private static string SoftmaxRows(LayerSpec layer) => layer.SoftmaxGroups == 1 ? "rows" : $"rows * {Int(layer.SoftmaxGroups)}";

        /// <summary>The rows a layer normalisation normalises in a tile: one per sample, or one per group of each sample.</summary>
        private static string GroupRows(LayerSpec layer) => layer.Groups == 1 ? "rows" : $"rows * {Int(layer.Groups)}";

        private static string GradientSlice(LayerSpec layer) => $"g.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)})";

        /// <summary>Row r's slice of a tile matrix with <paramref name="width"/> columns.</summary>
        private static string Row(string matrix, int width) => $"{matrix}.Slice(r * {Int(width)}, {Int(width)})";

        private static void EmitForwardLayers(SourceWriter w, NetworkSpec net, ScratchLayout scratch, int tile, bool inference = false)
        {
            string t = net.Scalar;
            string kernels = Names.QualifiedKernelClass(net.Type);
            foreach (LayerSpec layer in net.Layers)
            {
                string k = Int(layer.Number);
                int m = layer.AffineOutputs;
                w.Line(Banner(layer, batched: true));
                string h = layer.IsIdentity || PassEmitter.PoolsBeforeReLU(net, layer, inference) ? $"a{k}" : Slice(scratch, $"h{k}", tile);
                w.Line($"{Names.Span(t)} a{k} = {Slice(scratch, $"a{k}", tile)}, h{k} = {h};");
                if (layer.IsSpatial)
                {
                    SpatialEmitter.EmitForward(w, net, layer, batched: true);
                }
                else if (layer.IsAffine)
                {
                    w.Call($"{kernels}.AffineBatch{k}", PassEmitter.WithBias(layer, $"p.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)})", $"p.Slice({Int(layer.BiasOffset)}, {Int(m)})", $"h{Int(layer.Number - 1)}", $"a{k}", "rows"));
                }
                else
                {
                    int g = layer.NormalizedSize;
                    w.Call($"{Names.Normalization}.LayerNormBatch<{t}>", $"p.Slice({Int(layer.Offset)}, {Int(g)})", $"p.Slice({Int(layer.BiasOffset)}, {Int(g)})", $"h{Int(layer.Number - 1)}", PassEmitter.Epsilon(net, layer), $"a{k}", GroupRows(layer));
                }

                if (PassEmitter.PoolsBeforeReLU(net, layer, inference))
                {
                    w.Line(PassEmitter.PoolsBeforeReLUComment(layer));
                }
                else if (PassEmitter.ReLUAfterPool(net, layer, inference))
                {
                    w.Line($"{Names.Activations}.ReLU<{t}>(a{k}, a{k}); // layer {Int(layer.Number - 1)}'s relu, on the pooled values, in place");
                }
                else if (layer.Kind == LayerKind.Maxout)
                {
                    w.Line("for (int r = 0; r < rows; r++)");
                    w.Nested(() => w.Call($"{Names.Activations}.Maxout<{t}>", Row($"a{k}", m), Int(layer.Pieces), Row($"h{k}", layer.Units)));
                }
                else if (inference && net.Import?.LogSoftmax == true && layer.Number == net.Output.Number)
                {
                    w.Line($"// The graph ends in LogSoftmax: the output is log-softmax(A{k}), row by row, in place.");
                    w.Line($"for (int r = 0; r < {SoftmaxRows(layer)}; r++)");
                    w.Nested(() => w.Call($"{Names.Activations}.LogSoftmax<{t}>", Row($"a{k}", layer.SoftmaxWidth), Row($"a{k}", layer.SoftmaxWidth)));
                }
                else if (PassEmitter.SkipsOutputActivation(net, layer, inference))
                {
                    w.Line($"// The output is the logits a{k}: the {ActivationName(layer)} belongs to the loss.");
                }
                else if (layer.Activation == ActivationKind.Softmax)
                {
                    w.Line($"for (int r = 0; r < {SoftmaxRows(layer)}; r++)");
                    w.Nested(() => w.Call($"{Names.Activations}.Softmax<{t}>", Row($"a{k}", layer.SoftmaxWidth), Row($"h{k}", layer.SoftmaxWidth)));
                }
                else if (PassEmitter.ElementwiseForward(net, layer) is { } call)
                {
                    w.Line(call); // elementwise: the whole tile at once
                }

                w.Line();
            }
        }

        private static void EmitLoss(SourceWriter w, NetworkSpec net)
        {
            string t = net.Scalar;
            LayerSpec output = net.Output;
            string l = Int(output.Number);
            switch (net.Loss)
            {
                case LossKind.CrossEntropy:
                    w.Line("// Loss, sample by sample (the log-sum-exp is per sample), in the stable form of Backward");
                    w.Line("for (int r = 0; r < rows; r++)");
                    w.Nested(() => w.Call($"loss += {Names.Losses}.CrossEntropyFromLogits<{t}>", Row($"a{l}", output.AffineOutputs), Row("target", output.Units)));
                    break;
                case LossKind.BinaryCrossEntropy:
                    w.Line("// Loss: a sum over every output of every sample, so the whole tile at once, in the stable form of Backward");
                    w.Line($"loss += {Names.Losses}.BinaryCrossEntropyFromLogits<{t}>(a{l}, target);");
                    break;
                default:
                    w.Line("// Loss: a sum over every output of every sample, so the whole tile at once");
                    w.Line($"loss += {Names.Losses}.HalfSquaredError<{t}>(h{l}, target);");
                    break;
            }
        }

        private static void EmitBackwardLayers(SourceWriter w, NetworkSpec net, ScratchLayout scratch, int tile)
        {
            string t = net.Scalar;
            string l = Int(net.Output.Number);
            w.Line();
            if (net.Loss == LossKind.MeanSquaredError)
            {
                w.Line($"// Output: dH{l} = dL/dY = Y - D");
                w.Line($"{Names.Span(t)} dh{l} = {Slice(scratch, $"dh{l}", tile)};");
                w.Line($"{Names.Losses}.OutputError<{t}>(h{l}, target, dh{l});");
            }
            else
            {
                w.Line($"// Output: {PassEmitter.FusedLossName(net.Loss)} has the fused gradient dA{l} = Y - D");
                w.Line($"{Names.Span(t)} da{l} = {Slice(scratch, $"da{l}", tile)};");
                w.Line($"{Names.Losses}.OutputError<{t}>(h{l}, target, da{l});");
            }

            w.Line();
            for (int i = net.Layers.Count - 1; i >= 0; i--)
            {
                EmitBackwardLayer(w, net, scratch, tile, net.Layers[i], fused: i == net.Layers.Count - 1 && net.Loss != LossKind.MeanSquaredError);
            }
        }

        private static void EmitBackwardLayer(SourceWriter w, NetworkSpec net, ScratchLayout scratch, int tile, LayerSpec layer, bool fused)
        {
            string t = net.Scalar;
            string k = Int(layer.Number);
            string prev = Int(layer.Number - 1);
            bool transposed = BatchKernelEmitter.TransposedGradient(net, layer);
            string dwRule = transposed ? $"dW{k}^T += dA{k}^T H{prev} (in dwt{k})" : $"dW{k} += H{prev}^T dA{k}";
            string dbRule = layer.HasBias ? $";  db{k} += column sums of dA{k}" : " (no bias)";
            string rule = layer.IsSpatial
                ? SpatialEmitter.Rule(layer, sgd: false, batched: true)
                : layer.IsAffine
                ? $"{dwRule}{dbRule}{(layer.Number > 1 ? $";  dH{prev} = dA{k} W{k}^T" : string.Empty)}"
                : PassEmitter.LayerNormRule(layer, sgd: false, batched: true);
            w.Line($"// Layer {k} backward: {(fused ? string.Empty : PassEmitter.DerivativeRule(layer, batched: true) + ";  ")}{rule}");
            if (!fused)
            {
                EmitActivationBackward(w, net, scratch, tile, layer);
            }

            string kernels = Names.QualifiedKernelClass(net.Type);
            string dw = transposed ? $"dwt{k}" : GradientSlice(layer);
            string db = $"g.Slice({Int(layer.BiasOffset)}, {Int(layer.AffineOutputs)})";
            if (layer.IsSpatial)
            {
                if (layer.Number > 1)
                {
                    w.Line($"{Names.Span(t)} dh{prev} = {Slice(scratch, $"dh{prev}", tile)};");
                }

                SpatialEmitter.EmitBackward(w, net, layer, sgd: false, batched: true, gradientScratch: null);
            }
            else if (!layer.IsAffine)
            {
                string dx = layer.Number > 1 ? $"dh{prev}" : $"{Names.Span(t)}.Empty";
                if (layer.Number > 1)
                {
                    w.Line($"{Names.Span(t)} dh{prev} = {Slice(scratch, $"dh{prev}", tile)};");
                }

                w.Call($"{Names.Normalization}.LayerNormBatchBackward<{t}>", $"p.Slice({Int(layer.Offset)}, {Int(layer.NormalizedSize)})", $"h{prev}", $"da{k}", PassEmitter.Epsilon(net, layer), GradientSlice(layer), $"g.Slice({Int(layer.BiasOffset)}, {Int(layer.NormalizedSize)})", dx, GroupRows(layer));
            }
            else if (layer.Number > 1)
            {
                w.Line($"{Names.Span(t)} dh{prev} = {Slice(scratch, $"dh{prev}", tile)};");
                w.Call($"{kernels}.AffineBatchBackward{k}", new[] { $"wt{k}", $"h{prev}", $"da{k}", dw }.Concat(layer.HasBias ? new[] { db } : new string[0]).Concat(new[] { $"dh{prev}", "rows" }).ToArray());
            }
            else
            {
                w.Call($"{kernels}.AffineBatchBackward{k}", new[] { $"h{prev}", $"da{k}", dw }.Concat(layer.HasBias ? new[] { db } : new string[0]).Concat(new[] { "rows" }).ToArray());
            }

            w.Line();
        }

        private static void EmitActivationBackward(SourceWriter w, NetworkSpec net, ScratchLayout scratch, int tile, LayerSpec layer)
        {
            string t = net.Scalar;
            string k = Int(layer.Number);
            if (layer.IsIdentity)
            {
                w.Line($"{Names.Span(t)} da{k} = dh{k};");
                return;
            }

            int m = layer.AffineOutputs;
            w.Line($"{Names.Span(t)} da{k} = {Slice(scratch, $"da{k}", tile)};");
            if (layer.Kind == LayerKind.Maxout)
            {
                w.Line("for (int r = 0; r < rows; r++)");
                w.Nested(() => w.Call(
                    $"{Names.Activations}.MaxoutBackward<{t}>", Row($"a{k}", m), Row($"h{k}", layer.Units), Row($"dh{k}", layer.Units), Int(layer.Pieces), Row($"da{k}", m)));
            }
            else if (layer.Activation == ActivationKind.Softmax)
            {
                int s = layer.SoftmaxWidth;
                w.Line($"for (int r = 0; r < {SoftmaxRows(layer)}; r++)");
                w.Nested(() => w.Call($"{Names.Activations}.SoftmaxBackward<{t}>", Row($"h{k}", s), Row($"dh{k}", s), Row($"da{k}", s)));
            }
            else
            {
                w.Line(PassEmitter.ElementwiseBackward(net, layer, PassEmitter.SlopeGradient(layer))!);
            }
        }
    }
}
