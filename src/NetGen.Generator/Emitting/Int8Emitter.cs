using System.Globalization;
using System.Linq;
using System.Text;
using NetGen.Generator.Model;
using NetGen.Quantization;

namespace NetGen.Generator.Emitting
{
    /// <summary>The members of a network baked with <c>[Network(Inference = Inference.Int8)]</c>: the layers quantised at
    /// compile time by the runtime's own arithmetic (<see cref="QuantizationMath"/>, docs/quantization.md) and written as
    /// read-only data (int8 weights in the kernels' packed layout, int32 offsets, float scales, fixed-point multipliers),
    /// and a static <c>Forward</c> that runs <c>NetGen.Quantization.Int8Inference</c>'s steps on them, layer by layer.
    /// The float parameters are not emitted: the int8 form is what the assembly carries.</summary>
    internal static class Int8Emitter
    {
        private const string Inference = "global::NetGen.Quantization.Int8Inference";
        private const string GeneratedCode = Names.GeneratedCode;

        /// <summary>Each layer's quantisation (null for a pool, which has no weights), or the reason one cannot be quantised.</summary>
        public static QuantizedLayerPlan?[]? Plans(BakedNetworkSpec baked, out string? problem)
        {
            NetworkSpec net = baked.Network;
            problem = null;
            var plans = new QuantizedLayerPlan?[net.Layers.Count];
            for (int k = 0; k < plans.Length; k++)
            {
                LayerSpec layer = net.Layers[k];
                if (layer.Kind is LayerKind.MaxPool or LayerKind.AvgPool)
                {
                    continue;
                }

                (float min, float max) = Range(baked, k);
                float[]? bias = layer.HasBias ? Enumerable.Range(0, layer.BiasCount).Select(m => Parse(baked.Values[layer.BiasOffset + m])).ToArray() : null;
                QuantizedLayerPlan? plan;
                if (layer.Conv is { } c)
                {
                    // The file's (and the parameters') order is PyTorch's [C'][C/groups][KH][KW]: rows of taps already.
                    float[] weight = Enumerable.Range(0, c.WeightCount).Select(i => Parse(baked.Values[layer.Offset + i])).ToArray();
                    plan = QuantizationMath.Convolution(weight, bias, c.OutChannels, c.FanIn, c.Groups, min, max, layer.Number, out problem);
                }
                else
                {
                    int rows = layer.AffineOutputs; // a maxout layer's pieces x units, piece-major
                    var weight = new float[rows * layer.FanIn];
                    for (int m = 0; m < rows; m++)
                    {
                        for (int i = 0; i < layer.FanIn; i++)
                        {
                            weight[(m * layer.FanIn) + i] = Parse(baked.Values[layer.Offset + (i * rows) + m]); // input-major in the file's order
                        }
                    }

                    plan = QuantizationMath.Layer(weight, bias, rows, layer.FanIn, min, max, layer.Number, out problem);
                }

                if (plan is null)
                {
                    return null;
                }

                if (layer.SlopeCount > 0)
                {
                    // PReLU's slopes, after the biases: applied in float at the layer's output.
                    plan.Slopes = Enumerable.Range(0, layer.SlopeCount).Select(i => Parse(baked.Values[layer.SlopeOffset + i])).ToArray();
                }

                plans[k] = plan;
            }

            for (int k = 0; k + 1 < plans.Length; k++)
            {
                if (plans[k] is { } plan && net.Layers[k].Kind != LayerKind.Maxout && net.Layers[k].Activation is ActivationKind.Identity or ActivationKind.ReLU)
                {
                    QuantizationMath.Requantization(plan, InputCodes(baked, k + 1).Scale);
                }
            }

            return plans;
        }

        /// <summary>What a layer is when int8 inference does not compute it (layer normalisation, a softmax over groups or
        /// over a convolution's planes), or null.</summary>
        public static string? Unsupported(LayerSpec layer) =>
            layer.Kind == LayerKind.LayerNorm ? "a layer normalisation"
            : layer.SoftmaxSize > 0 && layer.SoftmaxSize < layer.Units ? "a softmax over groups"
            : layer.IsSpatial && layer.Activation == ActivationKind.Softmax ? "a softmax over a convolution's channels and positions" : null;

        /// <summary>What int8 inference computes, for the messages.</summary>
        public const string Supported = "it takes dense layers and convolutions with Identity, ReLU, LeakyReLU, PReLU, Sigmoid, Tanh, ELU, and Softmax at the output, maxout layers and pools";

        /// <summary>The calibration range that sets layer k's input codes: its own, or, after a pool, the pool's input's
        /// (<see cref="QuantizationMath.RangeSource"/>).</summary>
        private static (float Min, float Max) Range(BakedNetworkSpec baked, int k)
        {
            bool[] isPool = baked.Network.Layers.Select(l => l.Kind is LayerKind.MaxPool or LayerKind.AvgPool).ToArray();
            int source = QuantizationMath.RangeSource(isPool, k);
            return (Parse(baked.Calibration[2 * source]), Parse(baked.Calibration[(2 * source) + 1]));
        }

        /// <summary>The scale and zero point of layer k's input codes.</summary>
        private static (float Scale, int ZeroPoint) InputCodes(BakedNetworkSpec baked, int k)
        {
            (float min, float max) = Range(baked, k);
            QuantizationMath.Parameters(min, max, out float scale, out int zeroPoint);
            return (scale, zeroPoint);
        }

        /// <summary>The most stack a baked int8 <c>Forward</c> may take; past it, NG0035.</summary>
        public const int MaxStackBytes = 256 * 1024;

        /// <summary>The stack the generated <c>Forward</c> takes: two 7-bit buffers (any layer's input padded to its rows,
        /// or its output), the sums and the float activations, and a convolution's gathered taps (int16).</summary>
        public static long StackBytes(NetworkSpec net, QuantizedLayerPlan?[] plans) =>
            (2L * CodeBuffer(net)) + (4L * net.Layers.Max(l => l.AffineOutputs)) + (4L * net.Layers.Max(l => l.Units)) + (2L * Columns(net));

        private static int CodeBuffer(NetworkSpec net) => net.Layers.Max(l => System.Math.Max(QuantizationMath.Padded(l.FanIn), QuantizationMath.Padded(l.Units)));

        /// <summary>The int16 workspace of the widest convolution's gathered taps (<c>Int8Inference.ColumnsLength</c>).</summary>
        private static int Columns(NetworkSpec net) =>
            net.Layers.Max(l => l.Kind == LayerKind.Convolution ? QuantizationMath.ColumnsLength(l.Conv!.FanIn, l.Conv.OutHeight * l.Conv.OutWidth) : 0);

        /// <summary>A literal as <c>WeightsJson.Import</c> reads it: decimal text to double, then to float (the same
        /// value as one rounding for the float-exact literals NetGen and PyTorch write).</summary>
        private static float Parse(string literal) =>
            (float)double.Parse(literal.TrimEnd('f', 'd'), NumberStyles.Float, CultureInfo.InvariantCulture);

        public static void EmitMembers(SourceWriter w, BakedNetworkSpec baked, QuantizedLayerPlan?[] plans)
        {
            NetworkSpec net = baked.Network;
            long bytes = plans.Sum(p => p?.Bytes ?? 0);
            w.Line("/// <summary>The bytes of int8 weights, offsets, scales and multipliers baked in: what one forward pass reads.</summary>");
            w.Line(GeneratedCode);
            w.Line($"public const int Int8Bytes = {Int((int)bytes)};");
            w.Line();
            w.Line($"/// <summary>The float parameters the int8 form was quantised from ('{baked.FileName}'), {Int(net.ParameterCount * 4)} bytes as floats.</summary>");
            w.Line(GeneratedCode);
            w.Line($"public const int FloatParameterCount = {Int(net.ParameterCount)};");
            w.Line();
            for (int k = 0; k < plans.Length; k++)
            {
                (float scale, int zeroPoint) = InputCodes(baked, k);
                EmitLayerData(w, net.Layers[k], plans[k], scale, zeroPoint, isLast: k == plans.Length - 1);
            }

            w.Line("/// <summary>Runs the forward pass in int8 (docs/quantization.md): the input quantised to 7 bits, each layer's");
            w.Line("/// int8 product summed in int32 and requantised once, the output layer's function in float. The same bits on every");
            w.Line("/// instruction path. Allocates nothing; safe to call from any number of threads.</summary>");
            w.Line("/// <param name=\"input\">The input <c>x</c>, of length <see cref=\"InputSize\"/>.</param>");
            w.Line("/// <param name=\"output\">Receives <c>y</c>; of length <see cref=\"OutputSize\"/>.</param>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length; nothing is written.</exception>");
            w.Line(GeneratedCode);
            Names.PassAttributes(w);
            w.OpenMethod("public static void Forward", "global::System.ReadOnlySpan<float> input", "global::System.Span<float> output");
            w.Open("if (input.Length != InputSize)");
            w.Line($"throw {Inference}.WrongLength(\"input\", input.Length, InputSize);");
            w.Close();
            w.Line();
            w.Open("if (output.Length != OutputSize)");
            w.Line($"throw {Inference}.WrongLength(\"output\", output.Length, OutputSize);");
            w.Close();
            w.Line();
            // Two 7-bit buffers used in turn, one for the sums, one for float activations, one for a convolution's taps.
            int codes = CodeBuffer(net), maxUnits = net.Layers.Max(l => l.Units), maxSums = net.Layers.Max(l => l.AffineOutputs), columns = Columns(net);
            bool floats = Enumerable.Range(0, plans.Length - 1).Any(k => plans[k] is { Mantissas: null });
            w.Line($"global::System.Span<byte> a = stackalloc byte[{Int(codes)}];");
            w.Line($"global::System.Span<byte> b = stackalloc byte[{Int(codes)}];");
            w.Line($"global::System.Span<int> sums = stackalloc int[{Int(maxSums)}];");
            if (floats)
            {
                w.Line($"global::System.Span<float> h = stackalloc float[{Int(maxUnits)}];");
            }

            if (columns > 0)
            {
                w.Line($"global::System.Span<short> columns = stackalloc short[{Int(columns)}];");
            }

            w.Line($"{Inference}.Quantize(input, InverseScale1, ZeroPoint1, a);");
            bool logits = net.Import?.Logits == true || net.Import?.LogSoftmax == true;
            for (int k = 0; k < plans.Length; k++)
            {
                LayerSpec layer = net.Layers[k];
                string n = Int(layer.Number), next = Int(layer.Number + 1), units = Int(layer.Units);
                string q = k % 2 == 0 ? "a" : "b", q2 = k % 2 == 0 ? "b" : "a";
                string shape = layer.IsSpatial ? SpatialEmitter.Shape(net, layer) : string.Empty;
                bool last = k == plans.Length - 1;
                string low = layer.Activation == ActivationKind.ReLU ? $"ZeroPoint{next}" : "0";
                string activation = $"{Names.Activation}.{(last && logits ? ActivationKind.Identity : layer.Activation)}";
                switch (layer.Kind)
                {
                    case LayerKind.MaxPool:
                    case LayerKind.AvgPool:
                        if (layer.Kind == LayerKind.MaxPool)
                        {
                            w.Call($"{Inference}.MaxPool", q, shape, q2);
                        }
                        else
                        {
                            w.Call($"{Inference}.AvgPool", q, shape, layer.Conv!.CountIncludePad ? "true" : "false", $"ZeroPoint{n}", q2);
                        }

                        if (last)
                        {
                            w.Call($"{Inference}.Dequantize", q2, $"Scale{n}", $"ZeroPoint{n}", "output");
                        }

                        break;
                    case LayerKind.Convolution:
                        string positions = Int(layer.Conv!.OutHeight * layer.Conv.OutWidth);
                        w.Call($"{Inference}.Convolve", $"Pairs{n}", q, shape, $"ZeroPoint{n}", "columns", $"sums.Slice(0, {units})");
                        if (plans[k]!.Slopes is not null)
                        {
                            PReLU(w, n, positions, last ? "output" : $"h.Slice(0, {units})", last ? null : (next, q2));
                        }
                        else if (last)
                        {
                            w.Call($"{Inference}.ActivateChannels", "sums", $"Offsets{n}", $"Scales{n}", activation, $"{Real(layer.Alpha)}", positions, "output");
                        }
                        else if (plans[k]!.Mantissas is not null)
                        {
                            w.Call($"{Inference}.RequantizeChannels", "sums", $"Offsets{n}", $"Mantissas{n}", $"Shifts{n}", positions, $"ZeroPoint{next}", low, q2);
                        }
                        else
                        {
                            w.Call($"{Inference}.ActivateChannels", "sums", $"Offsets{n}", $"Scales{n}", activation, $"{Real(layer.Alpha)}", positions, $"h.Slice(0, {units})");
                            w.Call($"{Inference}.Quantize", $"h.Slice(0, {units})", $"InverseScale{next}", $"ZeroPoint{next}", q2);
                        }

                        break;
                    default:
                        w.Call($"{Inference}.Multiply", $"W{n}", $"Stride{n}", q, $"sums.Slice(0, {Int(layer.AffineOutputs)})");
                        if (layer.Kind == LayerKind.Maxout)
                        {
                            string target = last ? "output" : $"h.Slice(0, {units})";
                            w.Call($"{Inference}.ActivateMaxout", "sums", $"Offsets{n}", $"Scales{n}", Int(layer.Pieces), target);
                            if (!last)
                            {
                                w.Call($"{Inference}.Quantize", target, $"InverseScale{next}", $"ZeroPoint{next}", q2);
                            }
                        }
                        else if (plans[k]!.Slopes is not null)
                        {
                            PReLU(w, n, "1", last ? "output" : $"h.Slice(0, {units})", last ? null : (next, q2));
                        }
                        else if (last)
                        {
                            w.Call($"{Inference}.Output", "sums", $"Offsets{n}", $"Scales{n}", $"{Names.Activation}.{layer.Activation}", $"{Real(layer.Alpha)}", logits ? "true" : "false", "output");
                        }
                        else if (plans[k]!.Mantissas is not null)
                        {
                            w.Call($"{Inference}.Requantize", "sums", $"Offsets{n}", $"Mantissas{n}", $"Shifts{n}", $"ZeroPoint{next}", low, q2);
                        }
                        else
                        {
                            w.Call($"{Inference}.Activate", "sums", $"Offsets{n}", $"Scales{n}", $"{Names.Activation}.{layer.Activation}", $"{Real(layer.Alpha)}", $"h.Slice(0, {units})");
                            w.Call($"{Inference}.Quantize", $"h.Slice(0, {units})", $"InverseScale{next}", $"ZeroPoint{next}", q2);
                        }

                        break;
                }
            }

            w.Close();
            w.Line();
        }

        /// <summary>PReLU in float, one slope per channel (per unit of a dense layer), then, before another layer, the
        /// quantisation of its input.</summary>
        private static void PReLU(SourceWriter w, string n, string positions, string target, (string Next, string Codes)? then)
        {
            w.Call($"{Inference}.ActivatePReLU", "sums", $"Offsets{n}", $"Scales{n}", $"Slopes{n}", positions, target);
            if (then is { } t)
            {
                w.Call($"{Inference}.Quantize", target, $"InverseScale{t.Next}", $"ZeroPoint{t.Next}", t.Codes);
            }
        }

        private static void EmitLayerData(SourceWriter w, LayerSpec layer, QuantizedLayerPlan? plan, float inputScale, int inputZeroPoint, bool isLast)
        {
            string n = Int(layer.Number);
            if (plan is null)
            {
                // A pool: codes in, codes of the same scale out.
                w.Line($"// Layer {n}, {(layer.Kind == LayerKind.MaxPool ? "a max pool" : "an average pool")} of 7-bit codes, x = {Float(inputScale)} (q - {Int(inputZeroPoint)}), which its output keeps.");
                w.Line($"private const float InverseScale{n} = {Float(1f / inputScale)};");
                w.Line($"private const int ZeroPoint{n} = {Int(inputZeroPoint)};");
                if (isLast)
                {
                    w.Line($"private const float Scale{n} = {Float(inputScale)};");
                }

                w.Line();
                return;
            }

            bool convolution = layer.Kind == LayerKind.Convolution;
            string sum = convolution ? "sum[o, p]" : "sum[m]", index = convolution ? "o" : "m";
            w.Line(convolution
                ? $"// Layer {n}, a convolution, {layer.Activation}: {Int(plan.Units)} x {Int(plan.FanIn)} int8 weights (output channels by taps, {Int(plan.Groups)} {(plan.Groups == 1 ? "group" : "groups")}), W[o, t] / (max_t |W[o, t]| / 127) rounded;"
                : layer.Kind == LayerKind.Maxout
                ? $"// Layer {n}, maxout of {Int(layer.Pieces)} pieces: {Int(plan.Units)} x {Int(layer.FanIn)} int8 weights (piece-major rows), W[m, k] / (max_k |W[m, k]| / 127) rounded;"
                : $"// Layer {n}, {layer.Activation}: {Int(layer.Units)} x {Int(layer.FanIn)} int8 weights, W[m, k] / (max_k |W[m, k]| / 127) rounded;");
            w.Line(convolution
                ? $"// its input in 7 bits, x = {Float(plan.InputScale)} (q - {Int(plan.InputZeroPoint)}); {sum} = sum_t W[o, t] q[tap(p, t)] + Offsets[o] (bias, zero point), the padding reading {Int(plan.InputZeroPoint)}; Pairs holds W[o, t] as int16 pairs (2i low, 2i + 1 high);"
                : $"// its input in 7 bits, x = {Float(plan.InputScale)} (q - {Int(plan.InputZeroPoint)}); sum[m] = sum_k W[m, k] q[k] + Offsets[m] (bias, zero point);");
            w.Line(layer.Kind == LayerKind.Maxout
                ? $"// {(isLast ? "y" : "h")}[m] = max_p Scales[r] sum[r], r = p * {Int(layer.Units)} + m, in float{(isLast ? "." : ", then quantised for the next layer.")}"
                : isLast
                ? $"// y = g(Scales[{index}] {sum}) in float."
                : plan.Mantissas is null
                ? $"// h = g(Scales[{index}] {sum}) in float, then quantised for the next layer."
                : $"// next layer's {(convolution ? "q[o, p]" : "q[m]")} = clamp(z' + round({sum} Mantissas[{index}] / 2^Shifts[{index}]), {(layer.Activation == ActivationKind.ReLU ? "z'" : "0")}, 127): integers only.");
            if (!convolution)
            {
                w.Line($"private const int Stride{n} = {Int(plan.Stride)};");
            }

            w.Line($"private const float InverseScale{n} = {Float(1f / plan.InputScale)};");
            w.Line($"private const int ZeroPoint{n} = {Int(plan.InputZeroPoint)};");
            w.Line();
            if (convolution)
            {
                Array(w, $"private static global::System.ReadOnlySpan<int> Pairs{n} => new int[]", plan.Pairs!.Select(v => Int(v)), 8);
            }
            else
            {
                Array(w, $"private static global::System.ReadOnlySpan<sbyte> W{n} => new sbyte[]", plan.Packed.Select(v => Int(v)), 32);
            }

            Array(w, $"private static global::System.ReadOnlySpan<int> Offsets{n} => new int[]", plan.Offsets.Select(v => Int(v)), 16);
            if (plan.Mantissas is null)
            {
                Array(w, $"private static global::System.ReadOnlySpan<float> Scales{n} => new float[]", plan.OutputScales.Select(Float), 8);
            }
            else
            {
                Array(w, $"private static global::System.ReadOnlySpan<int> Mantissas{n} => new int[]", plan.Mantissas.Select(v => Int(v)), 8);
                Array(w, $"private static global::System.ReadOnlySpan<int> Shifts{n} => new int[]", plan.Shifts!.Select(v => Int(v)), 32);
            }

            if (plan.Slopes is { } slopes)
            {
                Array(w, $"private static global::System.ReadOnlySpan<float> Slopes{n} => new float[]", slopes.Select(Float), 8);
            }
        }

        private static void Array(SourceWriter w, string head, System.Collections.Generic.IEnumerable<string> values, int perLine)
        {
            w.Open(head);
            string[] all = values.ToArray();
            for (int i = 0; i < all.Length; i += perLine)
            {
                var line = new StringBuilder();
                for (int j = i; j < System.Math.Min(all.Length, i + perLine); j++)
                {
                    line.Append(all[j]).Append(j == all.Length - 1 ? "," : ", ");
                }

                w.Line(line.ToString().TrimEnd());
            }

            w.Close(";");
            w.Line();
        }

        private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

        private static string Real(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
    }
}
