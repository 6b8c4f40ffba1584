using System;
using System.Linq;
using NetGen.Quantization;

namespace NetGen.Portability
{
    /// <summary>The int8 network whose outputs are pinned on every instruction path and every machine: ReLU and Identity
    /// hidden layers (whose calibration is exact arithmetic, so that the quantised model is the same everywhere) and a
    /// softmax output (computed by NetGen's portable float maths).</summary>
    [Input(40)]
    [Dense(24, Activation.ReLU)]
    [Dense(16)]
    [Dense(5, Activation.Softmax)]
    [Loss(LossFunction.CrossEntropy)]
    public partial class PinnedInt8Net;

    /// <summary>The pinned convolutional network: a padded convolution (ReLU, integer requantisation), a max pool, a grouped
    /// convolution through float (Tanh), an average pool, a softmax output.</summary>
    [Input(2, 10, 10)]
    [Conv2D(4, 3, Activation.ReLU, Padding = 1)]
    [MaxPool2D(2)]
    [Conv2D(6, 3, Activation.Tanh, Groups = 2)]
    [AvgPool2D(2, Stride = 1)]
    [Dense(3, Activation.Softmax)]
    [Loss(LossFunction.CrossEntropy)]
    public partial class PinnedInt8ConvolutionNet;

    /// <summary>S of the benchmarks, for the float check.</summary>
    [Input(8)]
    [Dense(16, Activation.Tanh)]
    [Dense(16, Activation.Tanh)]
    [Dense(1)]
    [Loss(LossFunction.MeanSquaredError)]
    public partial class PortableSmallNet;

    /// <summary>A digits-sized classifier, for the float check.</summary>
    [Input(64)]
    [Dense(32, Activation.ReLU)]
    [Dense(10, Activation.Softmax)]
    [Loss(LossFunction.CrossEntropy)]
    public partial class PortableDigitsNet;

    /// <summary>Checks that must give the same answers on x64 and Arm64 (issue 16): the int8 outputs bit for bit, float
    /// training within rounding. Every value comes from integer formulas (no random generator, no library maths), so
    /// both machines start from the same bits.</summary>
    public static class PortableChecks
    {
        /// <summary>A value in [-1, 1] from an index: integer arithmetic, then one correctly rounded division.</summary>
        public static float Value(int i, int salt) => ((((i * 7919) + (salt * 104729)) % 2001) - 1000) / 1000f;

        private static void Fill(Span<float> values, int salt, float scale)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = Value(i, salt) * scale;
            }
        }

        /// <summary>The pinned network, quantised with ranges from 64 formula inputs.</summary>
        public static QuantizedNetwork PinnedInt8() => PinnedInt8(new PinnedInt8Net());

        /// <summary>Sets <paramref name="net"/>'s parameters to the pinned ones and quantises it.</summary>
        public static QuantizedNetwork PinnedInt8(PinnedInt8Net net)
        {
            Fill(net.Parameters, 1, 0.3f);
            var calibration = new float[64 * PinnedInt8Net.InputSize];
            Fill(calibration, 2, 1f);
            return QuantizedNetwork.From(net, calibration);
        }

        /// <summary>The pinned convolutional network, its parameters and ranges from formulas as <see cref="PinnedInt8()"/>.</summary>
        public static QuantizedNetwork PinnedInt8Convolutions()
        {
            var net = new PinnedInt8ConvolutionNet();
            Fill(net.Parameters, 4, 0.4f);
            var calibration = new float[32 * PinnedInt8ConvolutionNet.InputSize];
            Fill(calibration, 5, 1f);
            return QuantizedNetwork.From(net, calibration);
        }

        /// <summary>FNV-1a over the bits of the outputs for 20 formula inputs (some beyond the calibration range).</summary>
        public static ulong Int8Hash(QuantizedNetwork network)
        {
            ulong hash = 14695981039346656037;
            var x = new float[network.InputSize];
            var y = new float[network.OutputSize];
            for (int s = 0; s < 20; s++)
            {
                Fill(x, 100 + s, s % 4 == 3 ? 3f : 1f);
                network.Forward(x, y);
                foreach (float v in y)
                {
                    hash = (hash ^ (uint)BitConverter.SingleToInt32Bits(v)) * 1099511628211;
                }
            }

            return hash;
        }

        /// <summary>The parameters after 200 SGD steps from formula parameters on formula data.</summary>
        public static float[] Train(INeuralNetwork<float> net, float scale)
        {
            Fill(net.Parameters, 3, scale);
            var x = new float[net.InputSize];
            var d = new float[net.OutputSize];
            for (int step = 0; step < 200; step++)
            {
                Fill(x, 200 + (step % 16), 1f);
                Array.Clear(d);
                d[step % d.Length] = 1;
                net.SgdStep(x, d, 0.01f);
            }

            return net.Parameters.ToArray();
        }

        /// <summary>The report the x64 and Arm64 runs compare: one int8 line per pinned network (the hash, once every path
        /// here agrees), one line per float network with its parameters.</summary>
        public static string[] Report()
        {
            Int8Path[] paths = Enum.GetValues<Int8Path>().Where(QuantizedNetwork.Supports).ToArray();
            return
            [
                $"int8 {Hash(PinnedInt8(), paths):x16} dense ({string.Join(" ", paths)})",
                $"int8 {Hash(PinnedInt8Convolutions(), paths):x16} convolutions ({string.Join(" ", paths)})",
                "float small " + string.Join(" ", Train(new PortableSmallNet(), 0.5f).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
                "float digits " + string.Join(" ", Train(new PortableDigitsNet(), 0.2f).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
            ];
        }

        /// <summary>The network's hash, once every path here gives the same one.</summary>
        private static ulong Hash(QuantizedNetwork quantized, Int8Path[] paths)
        {
            ulong[] hashes = paths.Select(p =>
            {
                quantized.Path = p;
                return Int8Hash(quantized);
            }).ToArray();
            return hashes.Distinct().Count() == 1
                ? hashes[0]
                : throw new InvalidOperationException("int8 paths disagree: " + string.Join(", ", paths.Zip(hashes, (p, h) => $"{p} {h:x16}")));
        }
    }
}
