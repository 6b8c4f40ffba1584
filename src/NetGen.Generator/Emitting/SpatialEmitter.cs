using System.Linq;
using NetGen.Generator.Model;
using static NetGen.Generator.Invariant;

namespace NetGen.Generator.Emitting
{
    /// <summary>Writes the calls of convolutions and pools: each layer's geometry is a constant <c>ConvolutionShape</c> in
    /// the kernel class, and the runtime's <c>Convolution</c> does the arithmetic (im2col onto vectorised multiply-adds; see
    /// its remarks), for one sample or a tile of them.</summary>
    internal static class SpatialEmitter
    {
        private const string Convolution = "global::NetGen.Runtime.Convolution";

        /// <summary>The kernel class's field holding layer k's geometry.</summary>
        public static string Shape(NetworkSpec net, LayerSpec layer) => $"{Names.QualifiedKernelClass(net.Type)}.Shape{Int(layer.Number)}";

        /// <summary>One <c>ConvolutionShape</c> field per convolution or pool, with named arguments so that it reads.</summary>
        public static void EmitShapes(SourceWriter w, NetworkSpec net)
        {
            foreach (LayerSpec layer in net.Layers.Where(l => l.IsSpatial))
            {
                ConvSpec c = layer.Conv!;
                w.Separate();
                w.Line($"/// <summary>Layer {Int(layer.Number)}'s geometry: {Formatting.Xml(Formatting.Shape(layer))}.</summary>");
                w.Line($"internal static readonly global::NetGen.Runtime.ConvolutionShape Shape{Int(layer.Number)} = new(");
                w.Nested(() =>
                {
                    w.Line($"InChannels: {Int(c.InChannels)}, InHeight: {Int(c.InHeight)}, InWidth: {Int(c.InWidth)},");
                    w.Line($"OutChannels: {Int(c.OutChannels)}, OutHeight: {Int(c.OutHeight)}, OutWidth: {Int(c.OutWidth)},");
                    w.Line($"KernelHeight: {Int(c.KernelHeight)}, KernelWidth: {Int(c.KernelWidth)}, StrideHeight: {Int(c.StrideHeight)}, StrideWidth: {Int(c.StrideWidth)},");
                    w.Line($"PadTop: {Int(c.PadTop)}, PadLeft: {Int(c.PadLeft)}, DilationHeight: {Int(c.DilationHeight)}, DilationWidth: {Int(c.DilationWidth)},");
                    w.Line($"Groups: {Int(c.Groups)}, PadBottom: {Int(c.PadBottom)}, PadRight: {Int(c.PadRight)});");
                });
            }
        }

        /// <summary>The forward call of a convolution or pool into <c>a{k}</c>; batched, over the tile's <c>rows</c>.</summary>
        public static void EmitForward(SourceWriter w, NetworkSpec net, LayerSpec layer, bool batched)
        {
            string t = net.Scalar, k = Int(layer.Number), prev = Int(layer.Number - 1);
            string shape = Shape(net, layer);
            string batch = batched ? "Batch" : string.Empty;
            string[] rows = batched ? new[] { "rows" } : new string[0];
            switch (layer.Kind)
            {
                case LayerKind.Convolution:
                    w.Call($"{Convolution}.Convolve{batch}<{t}>", new[] { Weights(layer), Biases(net, layer, "p", readOnly: true), $"h{prev}", shape, $"a{k}" }.Concat(rows).ToArray());
                    break;
                case LayerKind.MaxPool:
                    w.Call($"{Convolution}.MaxPool{batch}<{t}>", new[] { $"h{prev}", shape, $"a{k}" }.Concat(rows).ToArray());
                    break;
                default:
                    w.Call($"{Convolution}.AvgPool{batch}<{t}>", new[] { $"h{prev}", shape, Bool(layer.Conv!.CountIncludePad), $"a{k}" }.Concat(rows).ToArray());
                    break;
            }
        }

        /// <summary>The backward rule of a convolution or pool, for its comment.</summary>
        public static string Rule(LayerSpec layer, bool sgd, bool batched)
        {
            string k = Int(layer.Number), prev = Int(layer.Number - 1);
            string da = batched ? $"dA{k}" : $"da{k}", dh = batched ? $"dH{prev}" : $"dh{prev}";
            string dx = layer.Number > 1 ? string.Empty : " (no dh0)";
            switch (layer.Kind)
            {
                case LayerKind.Convolution:
                    string update = sgd
                        ? $"W{k} -= eta dW{k}{(layer.HasBias ? $";  b{k} -= eta db{k}" : string.Empty)} (the gradients as Backward takes them)"
                        : $"dW{k}[o,c,i,j] += sum_positions {da}[o,.] h{prev}[c, window(i,j)]{(layer.HasBias ? $";  db{k}[o] += sum {da}[o,.]" : string.Empty)}";
                    return layer.Number > 1 ? $"{update};  {dh} = the transposed convolution of {da} (W{k}^T {da}, scattered back to its windows)" : update;
                case LayerKind.MaxPool:
                    return layer.Number > 1 ? $"{dh} = {da} routed to each window's arg-max (the first on a tie)" : $"nothing to do{dx}";
                default:
                    return layer.Number > 1 ? $"{dh}[c, window] += {da}[c, position] / its divisor" : $"nothing to do{dx}";
            }
        }

        /// <summary>The backward calls of a convolution or pool, from <c>da{k}</c> into the gradients <c>g</c> (or, with
        /// <paramref name="sgd"/>, the fused update of <c>p</c> through scratch <c>dp{k}</c>) and <c>dh{k-1}</c>.</summary>
        public static void EmitBackward(SourceWriter w, NetworkSpec net, LayerSpec layer, bool sgd, bool batched, string? gradientScratch)
        {
            string t = net.Scalar, k = Int(layer.Number), prev = Int(layer.Number - 1);
            string shape = Shape(net, layer);
            string batch = batched ? "Batch" : string.Empty;
            string dx = layer.Number > 1 ? $"dh{prev}" : $"{Names.Span(t)}.Empty";
            string[] rows = batched ? new[] { "rows" } : new string[0];
            switch (layer.Kind)
            {
                case LayerKind.Convolution when sgd:
                    // The gradient goes to scratch first: dh takes W before its update, and the update is SGD's p -= eta g.
                    w.Line($"{Names.Span(t)} dp{k} = {gradientScratch};");
                    w.Line($"dp{k}.Clear();");
                    string db = layer.HasBias ? $"dp{k}.Slice({Int(layer.WeightCount)}, {Int(layer.BiasCount)})" : $"{Names.Span(t)}.Empty";
                    w.Call($"{Convolution}.ConvolveBackward<{t}>", Weights(layer), $"h{prev}", $"da{k}", shape, $"dp{k}.Slice(0, {Int(layer.WeightCount)})", db, dx);
                    w.Call($"{Names.Normalization}.Descend<{t}>", $"p.Slice({Int(layer.Offset)}, {Int(layer.WeightCount + layer.BiasCount)})", $"dp{k}", "learningRate");
                    break;
                case LayerKind.Convolution:
                    w.Call($"{Convolution}.Convolve{batch}Backward<{t}>", new[] { Weights(layer), $"h{prev}", $"da{k}", shape, $"g.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)})", Biases(net, layer, "g", readOnly: false), dx }.Concat(rows).ToArray());
                    break;
                case LayerKind.MaxPool when layer.Number > 1:
                    w.Call($"{Convolution}.MaxPool{batch}Backward<{t}>", new[] { $"h{prev}", $"da{k}", shape, $"dh{prev}" }.Concat(rows).ToArray());
                    break;
                case LayerKind.AvgPool when layer.Number > 1:
                    w.Call($"{Convolution}.AvgPool{batch}Backward<{t}>", new[] { $"da{k}", shape, Bool(layer.Conv!.CountIncludePad), $"dh{prev}" }.Concat(rows).ToArray());
                    break;
                default:
                    w.Line("// A first-layer pool has no parameters and no input gradient to compute.");
                    break;
            }
        }

        private static string Weights(LayerSpec layer) => $"p.Slice({Int(layer.Offset)}, {Int(layer.WeightCount)})";

        private static string Biases(NetworkSpec net, LayerSpec layer, string block, bool readOnly) => layer.HasBias
            ? $"{block}.Slice({Int(layer.BiasOffset)}, {Int(layer.BiasCount)})"
            : $"{(readOnly ? Names.ReadOnlySpan(net.Scalar) : Names.Span(net.Scalar))}.Empty";

        private static string Bool(bool value) => value ? "true" : "false";
    }
}
