using System;
using System.Collections.Generic;

namespace NetGen.Onnx
{
    /// <summary>What an <see cref="ImportedLayer"/> computes.</summary>
    public enum ImportedLayerKind
    {
        /// <summary><c>h = g(W x + b)</c>, W as nn.Linear stores it.</summary>
        Dense,

        /// <summary><c>h = g(gamma (x - mu) / sqrt(var + eps) + beta)</c>, gamma and beta as nn.LayerNorm stores them.</summary>
        LayerNorm,

        /// <summary>A 1-D or 2-D convolution, W as nn.Conv2d stores it (<c>[out][in/groups][kh][kw]</c>), one bias per
        /// output channel; the geometry in <see cref="ImportedLayer.Geometry"/>.</summary>
        Convolution,

        /// <summary>A max pool: no parameters, no activation.</summary>
        MaxPool,

        /// <summary>An average pool, or a global one: no parameters, no activation.</summary>
        AvgPool,
    }

    /// <summary>The geometry of an imported convolution or pool over one sample, resolved: input and output planes
    /// (channels first; a 1-D layer has height 1 and a kernel of height 1), the window, and the padding on each side,
    /// ONNX's defaults already applied.</summary>
    public sealed class ImportedGeometry
    {
        /// <summary>1 or 2 spatial axes.</summary>
        public int Dimensions { get; internal set; }

        /// <summary>The input channels.</summary>
        public int InChannels { get; internal set; }

        /// <summary>The input height (1 for 1-D).</summary>
        public int InHeight { get; internal set; }

        /// <summary>The input width (the length, for 1-D).</summary>
        public int InWidth { get; internal set; }

        /// <summary>The output channels (the input's, for a pool).</summary>
        public int OutChannels { get; internal set; }

        /// <summary>The output height.</summary>
        public int OutHeight { get; internal set; }

        /// <summary>The output width.</summary>
        public int OutWidth { get; internal set; }

        /// <summary>The kernel height.</summary>
        public int KernelHeight { get; internal set; }

        /// <summary>The kernel width.</summary>
        public int KernelWidth { get; internal set; }

        /// <summary>The vertical stride.</summary>
        public int StrideHeight { get; internal set; }

        /// <summary>The horizontal stride.</summary>
        public int StrideWidth { get; internal set; }

        /// <summary>Zeros (for a max pool, positions that never win) before the first row.</summary>
        public int PadTop { get; internal set; }

        /// <summary>Before the first column.</summary>
        public int PadLeft { get; internal set; }

        /// <summary>After the last row.</summary>
        public int PadBottom { get; internal set; }

        /// <summary>After the last column.</summary>
        public int PadRight { get; internal set; }

        /// <summary>The vertical dilation (1 for a pool).</summary>
        public int DilationHeight { get; internal set; } = 1;

        /// <summary>The horizontal dilation (1 for a pool).</summary>
        public int DilationWidth { get; internal set; } = 1;

        /// <summary>A convolution's channel groups (1 for a pool).</summary>
        public int Groups { get; internal set; } = 1;

        /// <summary>A global average pool (the window is the whole input).</summary>
        public bool Global { get; internal set; }

        /// <summary>An average pool's divisor counts the padding (ONNX's count_include_pad, default 0).</summary>
        public bool CountIncludePad { get; internal set; }

        /// <summary>A pool's output size was rounded up (ceil_mode).</summary>
        public bool CeilMode { get; internal set; }

        /// <summary>"same" where the graph asked for SAME_UPPER (NetGen's <c>PaddingMode.Same</c>), else "explicit".</summary>
        public string Padding { get; internal set; } = "explicit";

        /// <summary>C x H x W in.</summary>
        public int InputSize => InChannels * InHeight * InWidth;

        /// <summary>C' x H' x W' out.</summary>
        public int OutputSize => OutChannels * OutHeight * OutWidth;

        /// <summary>Whether the padding differs between the two sides of an axis.</summary>
        public bool IsAsymmetric => PadTop != PadBottom || PadLeft != PadRight;

        /// <summary>The output shape: <c>[C, H, W]</c>, or <c>[C, L]</c> for 1-D.</summary>
        public int[] OutputShape => Dimensions == 2 ? new[] { OutChannels, OutHeight, OutWidth } : new[] { OutChannels, OutWidth };

        /// <summary>The input shape: <c>[C, H, W]</c>, or <c>[C, L]</c> for 1-D.</summary>
        public int[] InputShape => Dimensions == 2 ? new[] { InChannels, InHeight, InWidth } : new[] { InChannels, InWidth };
    }

    /// <summary>One layer of an imported graph: dense, <c>h = g(W x + b)</c> with W as nn.Linear stores it; a layer
    /// normalisation, <c>h = g(gamma (x - mu) / sqrt(var + eps) + beta)</c> with gamma in <see cref="Weight"/> and beta in
    /// <see cref="Bias"/>, as nn.LayerNorm stores them; a convolution, W as nn.Conv2d stores it; or a pool.</summary>
    public sealed class ImportedLayer
    {
        /// <summary>A layer normalisation over <paramref name="size"/> values in groups of <paramref name="normalized"/>,
        /// gamma 1 and beta 0 until the graph scales and shifts it.</summary>
        internal static ImportedLayer LayerNorm(int size, int normalized, double epsilon, string source)
        {
            var gamma = new double[normalized];
            for (int i = 0; i < normalized; i++)
            {
                gamma[i] = 1;
            }

            return new ImportedLayer(size, size, gamma, new double[normalized], source) { Kind = ImportedLayerKind.LayerNorm, Epsilon = epsilon, NormalizedSize = normalized };
        }

        /// <summary>A convolution with weights <c>[out][in/groups][kh][kw]</c> and a bias per output channel (null: none yet).</summary>
        internal static ImportedLayer Convolution(ImportedGeometry geometry, double[] weight, double[]? bias, string source) =>
            new(geometry.InputSize, geometry.OutputSize, weight, bias, source) { Kind = ImportedLayerKind.Convolution, Geometry = geometry };

        /// <summary>A max or average pool.</summary>
        internal static ImportedLayer Pool(ImportedLayerKind kind, ImportedGeometry geometry, string source) =>
            new(geometry.InputSize, geometry.OutputSize, Array.Empty<double>(), null, source) { Kind = kind, Geometry = geometry };

        internal ImportedLayer(int fanIn, int units, double[] weight, double[]? bias, string source)
        {
            FanIn = fanIn;
            Units = units;
            Weight = weight;
            Bias = bias;
            _sources.Add(source);
        }

        private readonly List<string> _sources = new();

        /// <summary>The input length.</summary>
        public int FanIn { get; }

        /// <summary>The output length.</summary>
        public int Units { get; }

        /// <summary>What the layer computes.</summary>
        public ImportedLayerKind Kind { get; private set; }

        /// <summary>Whether this is a layer normalisation (<c>"type": "layernorm"</c>).</summary>
        public bool IsLayerNorm => Kind == ImportedLayerKind.LayerNorm;

        /// <summary>Whether this is a convolution or a pool, with its <see cref="Geometry"/>.</summary>
        public bool IsSpatial => Geometry is not null;

        /// <summary>A convolution's or pool's geometry; null for the other kinds.</summary>
        public ImportedGeometry? Geometry { get; private set; }

        /// <summary>A layer normalisation's epsilon; 0 for a dense layer.</summary>
        public double Epsilon { get; private set; }

        /// <summary>How many consecutive values a layer normalisation normalises together (the normalised trailing shape's
        /// size; the length of gamma and beta); 0 for a dense layer.</summary>
        public int NormalizedSize { get; private set; }

        /// <summary>W, [units, fanIn] row-major (nn.Linear's layout); a layer normalisation's gamma, one per normalised
        /// value; a convolution's <c>[out][in/groups][kh][kw]</c> (nn.Conv2d's layout); empty for a pool.</summary>
        public double[] Weight { get; }

        /// <summary>b, one per unit (a layer normalisation's beta, one per normalised value; a convolution's, one per output
        /// channel); null when the graph adds none, and for a pool.</summary>
        public double[]? Bias { get; internal set; }

        /// <summary>NetGen's name of the activation: Identity, Sigmoid, Tanh, ReLU, LeakyReLU, ELU or Softmax; or
        /// LogSoftmax on the output layer of a graph that ends in it (written to the weights JSON as an Identity layer and
        /// the "onnx" section's <c>"output": "LogSoftmax"</c>).</summary>
        public string Activation { get; internal set; } = "Identity";

        /// <summary>For a softmax over groups (an ONNX Softmax on the last axis of a sample of several dimensions), the
        /// length of each group; 0 for one softmax over all the units.</summary>
        public int SoftmaxSize { get; internal set; }

        /// <summary>The leaky ReLU slope or the ELU alpha; null for other activations.</summary>
        public double? Alpha { get; internal set; }

        /// <summary>The layer's <c>"type"</c> in the weights JSON: dense, layernorm, conv2d, conv1d, maxpool2d, maxpool1d,
        /// avgpool2d, avgpool1d or globalavgpool.</summary>
        public string TypeName => Geometry is not { } g
            ? IsLayerNorm ? "layernorm" : "dense"
            : Kind switch
            {
                ImportedLayerKind.Convolution => "conv",
                ImportedLayerKind.MaxPool => "maxpool",
                _ => g.Global ? "globalavgpool" : "avgpool",
            } + (g.Global ? string.Empty : g.Dimensions == 2 ? "2d" : "1d");

        /// <summary>What the layer is, in a few words, for the import report: <c>dense 400 -> 120</c>, <c>layernorm 8, eps
        /// 1E-05</c>, <c>conv2d 1x28x28 -> 6x28x28, kernel 5x5, padding 2,2</c>, <c>maxpool2d 6x28x28 -> 6x14x14, kernel
        /// 2x2, stride 2x2</c>. Culture-invariant.</summary>
        public string Describe()
        {
            if (Geometry is not { } g)
            {
                return IsLayerNorm
                    ? FormattableString.Invariant($"layernorm {Units}{(NormalizedSize < Units ? FormattableString.Invariant($" in groups of {NormalizedSize}") : string.Empty)}, eps {Epsilon:R}")
                    : FormattableString.Invariant($"dense {FanIn} -> {Units}");
            }

            string Pair(int height, int width) => g.Dimensions == 2 ? FormattableString.Invariant($"{height}x{width}") : FormattableString.Invariant($"{width}");
            string Planes(int c, int height, int width) => g.Dimensions == 2 ? FormattableString.Invariant($"{c}x{height}x{width}") : FormattableString.Invariant($"{c}x{width}");
            var text = new System.Text.StringBuilder(TypeName).Append(' ').Append(Planes(g.InChannels, g.InHeight, g.InWidth)).Append(" -> ").Append(Planes(g.OutChannels, g.OutHeight, g.OutWidth));
            if (g.Global)
            {
                return text.ToString();
            }

            text.Append(", kernel ").Append(Pair(g.KernelHeight, g.KernelWidth));
            if (g.StrideHeight != 1 || g.StrideWidth != 1)
            {
                text.Append(", stride ").Append(Pair(g.StrideHeight, g.StrideWidth));
            }

            if (g.Padding == "same")
            {
                text.Append(", padding same");
            }
            else if (g.IsAsymmetric)
            {
                text.Append(", padding ").Append(g.Dimensions == 2
                    ? FormattableString.Invariant($"{g.PadTop},{g.PadLeft},{g.PadBottom},{g.PadRight}")
                    : FormattableString.Invariant($"{g.PadLeft},{g.PadRight}"));
            }
            else if (g.PadTop != 0 || g.PadLeft != 0)
            {
                text.Append(", padding ").Append(g.Dimensions == 2 ? FormattableString.Invariant($"{g.PadTop},{g.PadLeft}") : FormattableString.Invariant($"{g.PadLeft}"));
            }

            if (g.DilationHeight != 1 || g.DilationWidth != 1)
            {
                text.Append(", dilation ").Append(Pair(g.DilationHeight, g.DilationWidth));
            }

            if (g.Groups != 1)
            {
                text.Append(FormattableString.Invariant($", {g.Groups} groups"));
            }

            if (g.CeilMode)
            {
                text.Append(", ceil mode");
            }

            if (Kind == ImportedLayerKind.AvgPool && (g.PadTop | g.PadLeft | g.PadBottom | g.PadRight) != 0)
            {
                text.Append(g.CountIncludePad ? ", padding counted" : ", padding not counted");
            }

            return text.ToString();
        }

        /// <summary>The graph nodes this layer came from, for messages and the import report.</summary>
        public string Source => string.Join(", ", _sources);

        /// <summary>Records one more node the layer came from (once: a Gemm's bias is the Gemm itself). A list, joined only
        /// when read, so that a chain of a million Adds costs linear time.</summary>
        internal void AddSource(string source)
        {
            if (_sources[_sources.Count - 1] != source)
            {
                _sources.Add(source);
            }
        }
    }

    /// <summary>What <see cref="OnnxImporter"/> made of a graph: the shapes at its boundary and a chain of layers.</summary>
    public sealed class ImportedNetwork
    {
        internal ImportedNetwork(IReadOnlyList<int> inputShape, IReadOnlyList<int> outputShape, IReadOnlyList<ImportedLayer> layers, bool isDouble, int opset, string producer)
        {
            InputShape = inputShape;
            OutputShape = outputShape;
            Layers = layers;
            IsDouble = isDouble;
            Opset = opset;
            Producer = producer;
        }

        /// <summary>The input tensor's shape without the batch dimension; the input span is it flattened, row-major.</summary>
        public IReadOnlyList<int> InputShape { get; }

        /// <summary>The output tensor's shape without the batch dimension.</summary>
        public IReadOnlyList<int> OutputShape { get; }

        /// <summary>The layers, first to last.</summary>
        public IReadOnlyList<ImportedLayer> Layers { get; }

        /// <summary>Whether the graph computes in double (else float).</summary>
        public bool IsDouble { get; }

        /// <summary>The model's ai.onnx opset.</summary>
        public int Opset { get; }

        /// <summary>The producer, as the file names it.</summary>
        public string Producer { get; }

        /// <summary>The flattened input length.</summary>
        public int InputSize => Layers.Count > 0 ? Layers[0].FanIn : 0;
    }
}
