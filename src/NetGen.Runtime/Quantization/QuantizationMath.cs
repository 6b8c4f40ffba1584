using System;
using System.Globalization;

namespace NetGen.Quantization
{
    /// <summary>One dense layer quantised (docs/quantization.md): what int8 inference reads. Computed by
    /// <see cref="QuantizationMath.Layer"/>, from the same code at run time (<c>QuantizedNetwork.From</c>) and at compile time
    /// (the generator bakes it for <c>[Network(Inference = Inference.Int8)]</c>), so that both give the same bits.</summary>
    internal sealed class QuantizedLayerPlan
    {
        public QuantizedLayerPlan(int units, int fanIn, int stride, sbyte[] packed, float[] weightScales, float inputScale, int inputZeroPoint, int[] offsets, float[] outputScales)
        {
            Units = units;
            FanIn = fanIn;
            Stride = stride;
            Packed = packed;
            WeightScales = weightScales;
            InputScale = inputScale;
            InputZeroPoint = inputZeroPoint;
            Offsets = offsets;
            OutputScales = outputScales;
        }

        public int Units { get; }

        public int FanIn { get; }

        /// <summary>The fan-in padded to whole 64-byte blocks.</summary>
        public int Stride { get; }

        /// <summary>The int8 weights in the kernels' packed layout (<see cref="QuantizationMath.Offset"/>).</summary>
        public sbyte[] Packed { get; }

        public float[] WeightScales { get; }

        public float InputScale { get; }

        public int InputZeroPoint { get; }

        /// <summary>Per unit: the bias in the accumulator's unit less the input zero point times the row's sum.</summary>
        public int[] Offsets { get; }

        /// <summary>Per unit: <c>WeightScales[m] * InputScale</c>, in float.</summary>
        public float[] OutputScales { get; }

        /// <summary>The fixed-point multipliers to the next layer's input (mantissa, shift), when this layer requantises in
        /// integers (Identity or ReLU, every multiplier below 1); null otherwise.</summary>
        public int[]? Mantissas { get; set; }

        public int[]? Shifts { get; set; }

        /// <summary>A convolution's channel groups, each packed on its own (<see cref="QuantizationMath.Convolution"/>); 1 for
        /// a dense layer.</summary>
        public int Groups { get; set; } = 1;

        /// <summary>A convolution's weights as the kernel reads them: per output channel, its taps in pairs, each pair one
        /// int32 of two int16 halves (tap 2i in the low half, tap 2i + 1 in the high half, 0 past the last tap), so that one
        /// <c>vpmaddwd</c> multiplies a pair of taps at many output positions (<see cref="QuantizationMath.Pairs"/>); null
        /// for a dense layer.</summary>
        public int[]? Pairs { get; set; }

        /// <summary>PReLU's slopes, one per output channel (a dense layer's unit), applied in float; null for other
        /// activations.</summary>
        public float[]? Slopes { get; set; }

        /// <summary>The bytes one forward pass reads: the weights (a convolution's pairs, a dense layer's packed rows),
        /// int32 offsets, float scales or fixed-point multipliers, and PReLU's slopes.</summary>
        public long Bytes => (Pairs is { } pairs ? pairs.Length * 4L : Packed.Length) + (Units * 4L) + (Mantissas is null ? Units * 4L : Units * 8L) + ((Slopes?.Length ?? 0) * 4L);
    }

    /// <summary>The arithmetic of quantisation, written once for the runtime and the generator (which compiles this file
    /// too, for netstandard2.0: no spans, no MathF). Every step is float or double IEEE arithmetic in a fixed order, so it
    /// gives the same results in both.</summary>
    internal static class QuantizationMath
    {
        /// <summary>Weight rows and activation vectors are padded to a multiple of this many bytes.</summary>
        public const int Alignment = 64;

        /// <summary>Rows per packed group.</summary>
        public const int Group = 8;

        /// <summary>The smallest normal float: scales below it are treated as degenerate.</summary>
        private const float MinNormal = 1.17549435e-38f;

        /// <summary>The largest fan-in, past which the int32 sums could overflow (2^16 x 127 x 127 &lt; 2^30).</summary>
        public const int MaxFanIn = 1 << 16;

        /// <summary>The padded length of a row of <paramref name="length"/> values.</summary>
        public static int Padded(int length) => (length + Alignment - 1) / Alignment * Alignment;

        /// <summary>Where weight (m, k) sits in the packed layout of <paramref name="rows"/> rows of
        /// <paramref name="stride"/>: each group of 8 rows block by block (their first 64 bytes, then their next 64), the
        /// rows after the last whole group one after the other.</summary>
        public static int Offset(int m, int k, int rows, int stride)
        {
            int grouped = rows / Group * Group;
            return m < grouped
                ? (m / Group * Group * stride) + (k / Alignment * Group * Alignment) + (m % Group * Alignment) + (k % Alignment)
                : (m * stride) + k;
        }

        /// <summary><c>clamp(round(x / scale) + zeroPoint, min, max)</c>, ties to even (ONNX's QuantizeLinear); NaN gives the
        /// zero point.</summary>
        public static int Linear(float x, float scale, int zeroPoint, int min, int max)
        {
            float scaled = x / scale;
            if (float.IsNaN(scaled))
            {
                return Clamp(zeroPoint, min, max);
            }

            double bounded = Math.Max(Math.Min((double)scaled, 1 << 22), -(1 << 22));
            return Clamp((int)Math.Round(bounded, MidpointRounding.ToEven) + zeroPoint, min, max);
        }

        public static int Clamp(int value, int min, int max) => value < min ? min : value > max ? max : value;

        /// <summary>The 7-bit scale and zero point of a range widened to hold 0: <c>scale = (max - min) / 127</c>,
        /// <c>zeroPoint = round(-min / scale)</c>.</summary>
        public static void Parameters(float rangeMin, float rangeMax, out float scale, out int zeroPoint)
        {
            double min = Math.Min(rangeMin, 0), max = Math.Max(rangeMax, 0);
            if (max - min < 1e-30)
            {
                scale = 1f;
                zeroPoint = 0;
                return;
            }

            scale = (float)((max - min) / 127);
            double z = Math.Round(-min / scale, MidpointRounding.ToEven);
            zeroPoint = (int)Math.Max(0, Math.Min(127, z));
        }

        /// <summary>Quantises a dense layer: <paramref name="weight"/> output-major (<c>weight[m * fanIn + k]</c>),
        /// <paramref name="bias"/> null for none, and the range of its input.</summary>
        /// <returns>The plan, or null with <paramref name="problem"/> saying why it cannot be quantised.</returns>
        public static QuantizedLayerPlan? Layer(float[] weight, float[]? bias, int units, int fanIn, float rangeMin, float rangeMax, int number, out string? problem, int firstUnit = 0)
        {
            problem = null;
            if (fanIn > MaxFanIn)
            {
                problem = string.Format(CultureInfo.InvariantCulture, "layer {0} sums {1} inputs per output; int8 inference takes at most {2}, past which its int32 sums could overflow", number, fanIn, MaxFanIn);
                return null;
            }

            Parameters(rangeMin, rangeMax, out float inputScale, out int zeroPoint);
            int stride = Padded(fanIn);
            var packed = new sbyte[units * stride];
            var scales = new float[units];
            var offsets = new int[units];
            var outputScales = new float[units];
            for (int m = 0; m < units; m++)
            {
                float largest = 0;
                for (int k = 0; k < fanIn; k++)
                {
                    largest = Math.Max(largest, Math.Abs(weight[(m * fanIn) + k]));
                }

                // A row whose scale would not be a normal float (weights below about 1e-36) is a row of zeros.
                scales[m] = largest / 127 >= MinNormal ? largest / 127 : 1;
                int sum = 0;
                for (int k = 0; k < fanIn; k++)
                {
                    int q = Linear(weight[(m * fanIn) + k], scales[m], 0, -127, 127);
                    packed[Offset(m, k, units, stride)] = (sbyte)q;
                    sum += q;
                }

                double b = bias is null ? 0 : bias[m];
                double scaled = Math.Round(b / ((double)scales[m] * inputScale), MidpointRounding.ToEven);
                outputScales[m] = (float)((double)scales[m] * inputScale);
                if (!(outputScales[m] >= MinNormal) || float.IsInfinity(outputScales[m]))
                {
                    problem = string.Format(CultureInfo.InvariantCulture, "layer {0}, unit {1}: one step of its sums, {2:R} x {3:R}, is not a normal float", number, firstUnit + m, scales[m], inputScale);
                    return null;
                }

                if (!(Math.Abs(scaled) <= 1 << 30))
                {
                    problem = string.Format(CultureInfo.InvariantCulture, "layer {0}, unit {1}: its bias {2:R} is {3:G3} times its accumulator's unit ({4:R} x {5:R}), more than int32 holds with room for the sums", number, firstUnit + m, b, Math.Abs(scaled), scales[m], inputScale);
                    return null;
                }

                offsets[m] = (int)scaled - (zeroPoint * sum);
            }

            return new QuantizedLayerPlan(units, fanIn, stride, packed, scales, inputScale, zeroPoint, offsets, outputScales);
        }

        /// <summary>Quantises a convolution as <paramref name="groups"/> dense layers of <c>outChannels / groups</c> rows
        /// and <paramref name="taps"/> columns (its weights <c>[C'][C/groups][KH][KW]</c> are such rows already), one after
        /// another: the packed weights of group 0, then group 1, ...; offsets and scales per output channel.</summary>
        /// <returns>The plan, or null with <paramref name="problem"/> saying why it cannot be quantised.</returns>
        public static QuantizedLayerPlan? Convolution(float[] weight, float[]? bias, int outChannels, int taps, int groups, float rangeMin, float rangeMax, int number, out string? problem)
        {
            problem = null;
            if (groups == 1)
            {
                QuantizedLayerPlan? single = Layer(weight, bias, outChannels, taps, rangeMin, rangeMax, number, out problem);
                if (single is not null)
                {
                    single.Pairs = Pairs(single);
                }

                return single;
            }

            int perGroup = outChannels / groups, stride = Padded(taps);
            var packed = new sbyte[outChannels * stride];
            var scales = new float[outChannels];
            var offsets = new int[outChannels];
            var outputScales = new float[outChannels];
            QuantizedLayerPlan? plan = null;
            for (int g = 0; g < groups; g++)
            {
                var w = new float[perGroup * taps];
                Array.Copy(weight, g * perGroup * taps, w, 0, w.Length);
                float[]? b = null;
                if (bias is not null)
                {
                    b = new float[perGroup];
                    Array.Copy(bias, g * perGroup, b, 0, perGroup);
                }

                plan = Layer(w, b, perGroup, taps, rangeMin, rangeMax, number, out problem, g * perGroup); // units counted across groups
                if (plan is null)
                {
                    return null;
                }

                Array.Copy(plan.Packed, 0, packed, g * perGroup * stride, plan.Packed.Length);
                Array.Copy(plan.WeightScales, 0, scales, g * perGroup, perGroup);
                Array.Copy(plan.Offsets, 0, offsets, g * perGroup, perGroup);
                Array.Copy(plan.OutputScales, 0, outputScales, g * perGroup, perGroup);
            }

            var grouped = new QuantizedLayerPlan(outChannels, taps, stride, packed, scales, plan!.InputScale, plan.InputZeroPoint, offsets, outputScales) { Groups = groups };
            grouped.Pairs = Pairs(grouped);
            return grouped;
        }

        /// <summary>A convolution's weights in pairs of int16 taps (<see cref="QuantizedLayerPlan.Pairs"/>): channel o's pair
        /// i at <c>o * ((taps + 1) / 2) + i</c>, read from the packed rows of its group.</summary>
        public static int[] Pairs(QuantizedLayerPlan plan)
        {
            int perGroup = plan.Units / plan.Groups, count = (plan.FanIn + 1) / 2;
            var pairs = new int[plan.Units * count];
            for (int o = 0; o < plan.Units; o++)
            {
                int start = o / perGroup * perGroup * plan.Stride, m = o % perGroup;
                for (int i = 0; i < count; i++)
                {
                    int low = plan.Packed[start + Offset(m, 2 * i, perGroup, plan.Stride)];
                    int high = (2 * i) + 1 < plan.FanIn ? plan.Packed[start + Offset(m, (2 * i) + 1, perGroup, plan.Stride)] : 0;
                    pairs[(o * count) + i] = (low & 0xFFFF) | (high << 16);
                }
            }

            return pairs;
        }

        /// <summary>The int16 values of a convolution's gathered taps (<c>Int8Inference.Convolve</c>'s workspace): one group's
        /// taps in pairs, two values per output position, the positions padded to 16.</summary>
        public static int ColumnsLength(int taps, int positions) => ((taps + 1) / 2) * PaddedPositions(positions) * 2;

        /// <summary>Output positions padded to 16, the widest vector of int32 sums.</summary>
        public static int PaddedPositions(int positions) => (positions + 15) / 16 * 16;

        /// <summary>Which calibration range sets layer <paramref name="k"/>'s input codes: its own, unless the layer before
        /// is a pool, whose output keeps its input's codes (a maximum or mean of codes is a code of the same scale), so
        /// that the range is that pool's input's, and so on back.</summary>
        public static int RangeSource(bool[] isPool, int k) => k > 0 && isPool[k - 1] ? RangeSource(isPool, k - 1) : k;

        /// <summary>Sets <paramref name="layer"/>'s integer requantisation to <paramref name="next"/>'s input when every
        /// multiplier <c>OutputScales[m] / next.InputScale</c> is below 1 (else the layer requantises through float).</summary>
        public static void Requantization(QuantizedLayerPlan layer, QuantizedLayerPlan next) => Requantization(layer, next.InputScale);

        /// <summary>Sets <paramref name="layer"/>'s integer requantisation to codes of <paramref name="nextScale"/> when every
        /// multiplier <c>OutputScales[m] / nextScale</c> is below 1 (else the layer requantises through float).</summary>
        public static void Requantization(QuantizedLayerPlan layer, float nextScale)
        {
            var mantissas = new int[layer.Units];
            var shifts = new int[layer.Units];
            for (int m = 0; m < layer.Units; m++)
            {
                double real = (double)layer.OutputScales[m] / nextScale;
                if (!(real > 0 && real < 1))
                {
                    return;
                }

                FixedPoint(real, out mantissas[m], out shifts[m]);
            }

            layer.Mantissas = mantissas;
            layer.Shifts = shifts;
        }

        /// <summary><paramref name="real"/> (positive, below 2^30) as <c>mantissa / 2^shift</c> with the mantissa in
        /// [2^30, 2^31) (31 significant bits, rounded to even), read exactly from the double's bits; a value below 2^-62
        /// is (0, 62).</summary>
        public static void FixedPoint(double real, out int mantissa, out int shift)
        {
            if (!(real > 0) || double.IsInfinity(real) || real >= (1 << 30))
            {
                throw new ArgumentOutOfRangeException(nameof(real), real, "a requantisation multiplier must be positive, finite and below 2^30");
            }

            long bits = BitConverter.DoubleToInt64Bits(real);
            int exponent = (int)((bits >> 52) & 0x7FF);
            long fraction = bits & ((1L << 52) - 1);
            if (exponent == 0)
            {
                mantissa = 0; // subnormal: far below 2^-62
                shift = 62;
                return;
            }

            // real = (2^52 + fraction) 2^(exponent - 1075); keep 31 bits: (2^52 + fraction) / 2^22, rounded to even.
            long significand = (1L << 52) | fraction;
            long kept = significand >> 22, rest = significand & ((1L << 22) - 1);
            if (rest > (1L << 21) || (rest == (1L << 21) && (kept & 1) == 1))
            {
                kept++;
            }

            int power = exponent - 1075 + 22; // real ~ kept 2^power
            if (kept == 1L << 31)
            {
                kept >>= 1;
                power++;
            }

            shift = -power;
            mantissa = (int)kept;
            if (shift < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(real), real, "a requantisation multiplier must round to below 2^30");
            }

            if (shift > 62)
            {
                mantissa = 0;
                shift = 62;
            }
        }
    }
}
