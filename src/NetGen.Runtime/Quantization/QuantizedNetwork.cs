using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Quantization
{
    /// <summary>One layer in int8: a dense layer's or a convolution's weights, per output unit or channel, and how its
    /// int32 accumulators become the next layer's 7-bit input or the network's float output; a pool has no weights and
    /// passes its input's codes on.</summary>
    public sealed class QuantizedLayer
    {
        internal QuantizedLayer(LayerInfo info, QuantizedLayerPlan? plan, float inputScale, int inputZeroPoint) =>
            (Info, Plan, InputScale, InputZeroPoint) = (info, plan, inputScale, inputZeroPoint);

        internal QuantizedLayerPlan? Plan { get; }

        /// <summary>The float layer this quantises.</summary>
        public LayerInfo Info { get; }

        /// <summary>The length of a row of <see cref="Weights"/>: the fan-in (a convolution's taps per output channel)
        /// padded to a whole number of 64-byte blocks; 0 for a pool.</summary>
        public int Stride => Plan?.Stride ?? 0;

        /// <summary>The weights, <c>round(W[m, k] / WeightScales[m])</c> in [-127, 127], each row padded with zeros to
        /// <see cref="Stride"/>, and packed for the kernels: each group of 8 rows block by block (their first 64 weights,
        /// then their next 64, ...), the rows after the last whole group one after the other; a grouped convolution's
        /// channel groups each packed so, one after another. Empty for a pool.</summary>
        public ReadOnlySpan<sbyte> Weights => Plan is { } plan ? plan.Packed : default;

        /// <summary>Per output unit (row), symmetric: <c>max_k |W[m, k]| / 127</c> (1 for a row of zeros).</summary>
        public ReadOnlySpan<float> WeightScales => Plan is { } plan ? plan.WeightScales : default;

        /// <summary>The scale of the layer's 7-bit input: a real value is <c>(q - InputZeroPoint) InputScale</c>.</summary>
        public float InputScale { get; }

        /// <summary>The 7-bit code of a real 0 in the layer's input (0 after a ReLU).</summary>
        public int InputZeroPoint { get; }

        /// <summary>Per output unit, the real value of one unit of the accumulator: <c>WeightScales[m] InputScale</c>.</summary>
        public ReadOnlySpan<float> OutputScales => Plan is { } plan ? plan.OutputScales : default;

        /// <summary>Per output unit, the fixed-point multiplier to the next layer's input scale, when this layer's
        /// activation is Identity or ReLU and every multiplier is below 1 (then the requantisation is integer only);
        /// null otherwise.</summary>
        public FixedPointMultiplier[]? Requantization => Plan?.Mantissas is { } mantissas
            ? mantissas.Select((m, i) => new FixedPointMultiplier(m, Plan.Shifts![i])).ToArray()
            : null;

        /// <summary>The bytes this layer reads per sample: its int8 weights (a convolution's as int16 pairs), int32 offsets,
        /// and either its float scales or its fixed-point multipliers (mantissa and shift), what a baked int8 network
        /// carries too.</summary>
        public long Bytes => Plan?.Bytes ?? 0;
    }

    /// <summary>A trained network in int8 (dense layers, convolutions and pools), from its parameters and a
    /// <see cref="Calibration"/>: symmetric int8 weights per output unit or channel, asymmetric 7-bit activations per
    /// layer input (a pool passes its input's codes on), int32 accumulation, one requantisation per layer (fixed-point integer for Identity and ReLU; through float for the other activations),
    /// and the output layer's function in float from the dequantised logits. docs/quantization.md gives the maths. The
    /// results are the same bits on every instruction path (<see cref="Int8Path"/>). <see cref="Forward"/> allocates
    /// nothing after its first call on a thread, and may run on several threads at once.</summary>
    public sealed class QuantizedNetwork
    {
        /// <summary>The largest fan-in: past it the int32 accumulators could overflow (2^16 x 127 x 127 &lt; 2^30).</summary>
        public const int MaxFanIn = QuantizationMath.MaxFanIn;

        private readonly QuantizedLayer[] _layers;
        private readonly int _widest;
        private readonly int _columns;
        private readonly int _sums;
        private readonly bool _logits;

        private QuantizedNetwork(QuantizedLayer[] layers, int inputSize, bool logits)
        {
            _layers = layers;
            InputSize = inputSize;
            OutputSize = layers[^1].Info.Units;
            _logits = logits;
            // The 7-bit buffers hold any layer's input padded to its row length, or its output (the vector requantisation
            // writes whole blocks); the sums and reals any layer's outputs; the columns a convolution's gathered taps.
            _widest = layers.Max(l => Math.Max(Math.Max(l.Stride, Int8Kernels.Padded(l.Info.FanIn)), Int8Kernels.Padded(l.Info.Units)));
            _columns = layers.Max(l => l.Info.Convolution is { IsConvolution: true } c ? Int8Inference.ColumnsLength(c.Shape) : 0);
            _sums = layers.Max(l => l.Info.AffineOutputs); // a maxout layer sums each of its pieces
        }

        /// <summary>The values of one input sample.</summary>
        public int InputSize { get; }

        /// <summary>The values of one output.</summary>
        public int OutputSize { get; }

        /// <summary>The quantised layers, in order.</summary>
        public IReadOnlyList<QuantizedLayer> Layers => _layers;

        /// <summary>The bytes of weights, offsets and scales one forward pass reads.</summary>
        public long Bytes => _layers.Sum(l => l.Bytes);

        /// <summary>The best int8 path this machine (and this build of the runtime) has.</summary>
        public static Int8Path BestPath => Int8Kernels.Best;

        /// <summary>Whether <paramref name="path"/> runs here.</summary>
        public static bool Supports(Int8Path path) => Int8Kernels.IsSupported(path);

        /// <summary>The instruction path <see cref="Forward"/> takes; the best this machine has unless set (for tests and
        /// benchmarks: every path gives the same bits).</summary>
        /// <exception cref="PlatformNotSupportedException">The path does not run here.</exception>
        public Int8Path Path
        {
            get => _path;
            set => _path = Int8Kernels.IsSupported(value) ? value : throw new PlatformNotSupportedException($"the int8 path {value} does not run on this machine (the best here is {Int8Kernels.Best})");
        }

        private Int8Path _path = Int8Kernels.Best;

        /// <summary>Quantises <paramref name="net"/>'s current parameters with ranges measured on
        /// <paramref name="calibrationInputs"/> (see <see cref="Calibration.Collect"/>).</summary>
        public static QuantizedNetwork From(INeuralNetwork<float> net, ReadOnlySpan<float> calibrationInputs) =>
            From(net, Calibration.Collect(net, calibrationInputs));

        /// <summary>Quantises <paramref name="net"/>'s current parameters with <paramref name="calibration"/>'s ranges.</summary>
        /// <exception cref="ArgumentException">The calibration does not have one range per layer.</exception>
        /// <exception cref="NotSupportedException">A layer int8 inference does not compute yet, or int8 cannot represent
        /// it (a fan-in over <see cref="MaxFanIn"/>, a bias too large for its layer's scales); the message names it.</exception>
        public static QuantizedNetwork From(INeuralNetwork<float> net, Calibration calibration)
        {
            if (net is null)
            {
                throw new ArgumentNullException(nameof(net));
            }

            return From(net.Layers, net.Parameters, net.InputSize, calibration);
        }

        /// <summary>Quantises the layers <paramref name="layers"/> with <paramref name="parameters"/> (a network's
        /// <c>Parameters</c>, or a baked network's) and <paramref name="calibration"/>.</summary>
        public static QuantizedNetwork From(IReadOnlyList<LayerInfo> layers, ReadOnlySpan<float> parameters, int inputSize, Calibration calibration)
        {
            if (calibration is null)
            {
                throw new ArgumentNullException(nameof(calibration));
            }

            FloatNetwork source = FloatNetwork.From(layers, parameters, inputSize);
            if (calibration.Ranges.Count != source.Layers.Count)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the calibration has {calibration.Ranges.Count} ranges for a network of {source.Layers.Count} layers; collect it from this network"), nameof(calibration));
            }

            bool[] isPool = source.Layers.Select(l => l.IsPool).ToArray();
            var quantized = new QuantizedLayer[source.Layers.Count];
            for (int k = 0; k < quantized.Length; k++)
            {
                LayerInfo info = source.Layers[k];
                ActivationRange range = calibration.Ranges[QuantizationMath.RangeSource(isPool, k)];
                if (info.IsPool)
                {
                    QuantizationMath.Parameters(range.Min, range.Max, out float scale, out int zeroPoint);
                    quantized[k] = new QuantizedLayer(info, null, scale, zeroPoint);
                    continue;
                }

                float[] weight = source.OutputMajorWeights(k);
                float[]? bias = info.HasBias ? source.Parameters.AsSpan(info.BiasOffset, info.BiasCount).ToArray() : null;
                string? problem;
                QuantizedLayerPlan? plan = info.Convolution is { } c
                    ? QuantizationMath.Convolution(weight, bias, c.Shape.OutChannels, c.Shape.Taps, c.Shape.Groups, range.Min, range.Max, info.Number, out problem)
                    : QuantizationMath.Layer(weight, bias, info.AffineOutputs, info.FanIn, range.Min, range.Max, info.Number, out problem);
                if (plan is null)
                {
                    throw new NotSupportedException(problem + "; int8 cannot represent this layer");
                }

                if (info.Activation == Activation.PReLU)
                {
                    plan.Slopes = source.Parameters.AsSpan(info.SlopeOffset, info.SlopeCount).ToArray();
                }

                quantized[k] = new QuantizedLayer(info, plan, plan.InputScale, plan.InputZeroPoint);
            }

            for (int k = 0; k + 1 < quantized.Length; k++)
            {
                if (quantized[k].Plan is { } plan && !quantized[k].Info.IsMaxout && quantized[k].Info.Activation is Activation.Identity or Activation.ReLU)
                {
                    QuantizationMath.Requantization(plan, quantized[k + 1].InputScale);
                }
            }

            return new QuantizedNetwork(quantized, source.InputSize, source.Layers[^1].Logits);
        }

        /// <summary>The 7-bit scale and zero point of a range: it is widened to hold 0 (so that 0 is exact, and the
        /// padding of zeros is), then <c>scale = (max - min) / 127</c> and <c>zeroPoint = round(-min / scale)</c>.</summary>
        public static (float Scale, int ZeroPoint) Parameters(ActivationRange range)
        {
            QuantizationMath.Parameters(range.Min, range.Max, out float scale, out int zeroPoint);
            return (scale, zeroPoint);
        }

        [ThreadStatic]
        private static Scratch? _scratch;

        private sealed class Scratch
        {
            public byte[] Input = Array.Empty<byte>();
            public byte[] Output = Array.Empty<byte>();
            public int[] Sums = Array.Empty<int>();
            public float[] Reals = Array.Empty<float>();
            public short[] Columns = Array.Empty<short>();
        }

        /// <summary>The network's output for one sample, computed in int8 (the output layer's function in float).</summary>
        /// <exception cref="ArgumentException">A span's length is not <see cref="InputSize"/> or <see cref="OutputSize"/>.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // optimised at its first call: no tier-up later in a caller's loop
        public void Forward(ReadOnlySpan<float> input, Span<float> output)
        {
            if (input.Length != InputSize)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the input has {input.Length} values; this network takes {InputSize}"), nameof(input));
            }

            if (output.Length != OutputSize)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the output has room for {output.Length} values; this network gives {OutputSize}"), nameof(output));
            }

            Scratch scratch = _scratch ??= new Scratch();
            if (scratch.Input.Length < _widest || scratch.Sums.Length < _sums || scratch.Columns.Length < _columns)
            {
                scratch.Input = new byte[Math.Max(_widest, scratch.Input.Length)];
                scratch.Output = new byte[scratch.Input.Length];
                scratch.Sums = new int[Math.Max(_sums, scratch.Sums.Length)];
                scratch.Reals = new float[scratch.Sums.Length];
                scratch.Columns = new short[Math.Max(_columns, scratch.Columns.Length)];
            }

            byte[] q = scratch.Input, next = scratch.Output;
            Int8Inference.Quantize(input, 1 / _layers[0].InputScale, _layers[0].InputZeroPoint, q);
            for (int k = 0; k < _layers.Length; k++)
            {
                LayerInfo info = _layers[k].Info;
                bool last = k == _layers.Length - 1;
                float nextScale = last ? 1 : _layers[k + 1].InputScale;
                int nextZero = last ? 0 : _layers[k + 1].InputZeroPoint;
                if (info.Convolution is { IsConvolution: false } pool)
                {
                    // A pool of codes keeps its input's scale and zero point (the next layer's input is quantised so).
                    if (pool.Type.StartsWith("max", StringComparison.Ordinal))
                    {
                        Int8Inference.MaxPool(q, pool.Shape, next);
                    }
                    else
                    {
                        Int8Inference.AvgPool(q, pool.Shape, pool.CountIncludePad, _layers[k].InputZeroPoint, next);
                    }

                    if (last)
                    {
                        Int8Inference.Dequantize(next, _layers[k].InputScale, _layers[k].InputZeroPoint, output);
                    }

                    (q, next) = (next, q);
                    continue;
                }

                QuantizedLayerPlan layer = _layers[k].Plan!;
                Span<int> sums = scratch.Sums.AsSpan(0, info.AffineOutputs);
                Activation activation = last && _logits ? Activation.Identity : info.Activation;
                if (info.Convolution is { } convolution)
                {
                    int positions = convolution.Shape.Positions;
                    Int8Inference.Convolve(layer.Pairs, q, convolution.Shape, layer.InputZeroPoint, scratch.Columns, sums, Path);
                    if (layer.Mantissas is { } mantissas)
                    {
                        Int8Inference.RequantizeChannels(sums, layer.Offsets, mantissas, layer.Shifts, positions, nextZero, activation == Activation.ReLU ? nextZero : 0, next);
                    }
                    else
                    {
                        // In float: into the output, or into h to be quantised for the next layer.
                        Span<float> h = last ? output : scratch.Reals.AsSpan(0, info.Units);
                        if (layer.Slopes is { } slopes)
                        {
                            Int8Inference.ActivatePReLU(sums, layer.Offsets, layer.OutputScales, slopes, positions, h);
                        }
                        else
                        {
                            Int8Inference.ActivateChannels(sums, layer.Offsets, layer.OutputScales, activation, (float)info.Alpha, positions, h);
                        }

                        if (!last)
                        {
                            Int8Inference.Quantize(h, 1 / nextScale, nextZero, next);
                        }
                    }
                }
                else
                {
                    Int8Kernels.Multiply(layer.Packed, layer.Stride, q, sums, Path);
                    if (layer.Mantissas is { } mantissas)
                    {
                        // Identity or ReLU: integer only; for ReLU the clamp at the zero point is the ReLU.
                        Int8Inference.Requantize(sums, layer.Offsets, mantissas, layer.Shifts, nextZero, info.Activation == Activation.ReLU ? nextZero : 0, next);
                    }
                    else if (info.IsMaxout || layer.Slopes is not null)
                    {
                        Span<float> h = last ? output : scratch.Reals.AsSpan(0, info.Units);
                        if (info.IsMaxout)
                        {
                            Int8Inference.ActivateMaxout(sums, layer.Offsets, layer.OutputScales, info.Pieces, h);
                        }
                        else
                        {
                            Int8Inference.ActivatePReLU(sums, layer.Offsets, layer.OutputScales, layer.Slopes!, 1, h);
                        }

                        if (!last)
                        {
                            Int8Inference.Quantize(h, 1 / nextScale, nextZero, next);
                        }
                    }
                    else if (last)
                    {
                        Int8Inference.Output(sums, layer.Offsets, layer.OutputScales, info.Activation, (float)info.Alpha, _logits, output);
                    }
                    else
                    {
                        Span<float> h = scratch.Reals.AsSpan(0, info.Units);
                        Int8Inference.Activate(sums, layer.Offsets, layer.OutputScales, info.Activation, (float)info.Alpha, h);
                        Int8Inference.Quantize(h, 1 / nextScale, nextZero, next);
                    }
                }

                if (last)
                {
                    break;
                }

                (q, next) = (next, q);
            }
        }

        /// <summary>The class with the largest output (the first on a tie).</summary>
        public int Classify(ReadOnlySpan<float> input)
        {
            Span<float> y = OutputSize <= 1024 ? stackalloc float[OutputSize] : new float[OutputSize];
            Forward(input, y);
            if (OutputSize == 1)
            {
                return y[0] >= (_logits ? 0 : 0.5f) ? 1 : 0;
            }

            int best = 0;
            for (int i = 1; i < y.Length; i++)
            {
                if (y[i] > y[best])
                {
                    best = i;
                }
            }

            return best;
        }
    }
}
