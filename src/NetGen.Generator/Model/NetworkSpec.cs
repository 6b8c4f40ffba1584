namespace NetGen.Generator.Model
{
    /// <summary>Mirrors <c>NetGen.Activation</c> value for value (a test pins this).</summary>
    internal enum ActivationKind
    {
        Identity = 0,
        Sigmoid = 1,
        Tanh = 2,
        ReLU = 3,
        LeakyReLU = 4,
        ELU = 5,
        Softmax = 6,
        PReLU = 7,
    }

    /// <summary>Mirrors <c>NetGen.LossFunction</c> value for value (a test pins this).</summary>
    internal enum LossKind
    {
        MeanSquaredError = 0,
        CrossEntropy = 1,
        BinaryCrossEntropy = 2,
    }

    internal enum LayerKind
    {
        Dense,
        Maxout,

        /// <summary><c>a = gamma * (h - mu) / sqrt(var + eps) + beta</c>: W_k is gamma and b_k is beta, one of each per normalised value.</summary>
        LayerNorm,

        /// <summary>A convolution (<c>[Conv1D]</c>, <c>[Conv2D]</c>): W_k is <c>[out][in/groups][kh][kw]</c>, b_k one per
        /// output channel; the geometry is in <see cref="LayerSpec.Conv"/>.</summary>
        Convolution,

        /// <summary>A max pool (1-D or 2-D): no parameters.</summary>
        MaxPool,

        /// <summary>An average pool (1-D, 2-D or global): no parameters.</summary>
        AvgPool,
    }

    /// <summary>The geometry of a convolution or a pool, one sample: the input C x H x W (H = 1 for 1-D), the output, and
    /// the window. A 1-D layer is a 2-D one with one row and a kernel of height 1.</summary>
    /// <param name="PadTop">Zeros (or, for a max pool, never-winning positions) before the first row.</param>
    /// <param name="PadBottom">After the last row: it differs from <paramref name="PadTop"/> for SAME padding with an
    /// odd total; an average pool's divisor counts up to it.</param>
    /// <param name="Dimensions">1 or 2: how the layer was declared, for names and the weights file.</param>
    /// <param name="Global">A global average pool (the window is the whole input).</param>
    /// <param name="CountIncludePad">For an average pool, whether padding counts in the divisor.</param>
    /// <param name="CeilMode">For a pool, whether its output size was rounded up (informative; the size is resolved).</param>
    /// <param name="Padding">How the padding was declared: <c>explicit</c>, <c>same</c> or <c>causal</c>.</param>
    internal sealed record ConvSpec(
        int Dimensions,
        int InChannels,
        int InHeight,
        int InWidth,
        int OutChannels,
        int OutHeight,
        int OutWidth,
        int KernelHeight,
        int KernelWidth,
        int StrideHeight,
        int StrideWidth,
        int PadTop,
        int PadLeft,
        int PadBottom,
        int PadRight,
        int DilationHeight,
        int DilationWidth,
        int Groups,
        bool Global = false,
        bool CountIncludePad = true,
        bool CeilMode = false,
        string Padding = "explicit")
    {
        public int InputSize => InChannels * InHeight * InWidth;

        public int OutputSize => OutChannels * OutHeight * OutWidth;

        /// <summary>The weights of a convolution: out x in/groups x kh x kw.</summary>
        public int WeightCount => OutChannels * (InChannels / Groups) * KernelHeight * KernelWidth;

        /// <summary>The input channels each output channel sees: in/groups x kh x kw, PyTorch's fan-in.</summary>
        public int FanIn => (InChannels / Groups) * KernelHeight * KernelWidth;

        /// <summary>PyTorch's fan-out of a convolution: out x kh x kw.</summary>
        public int FanOut => OutChannels * KernelHeight * KernelWidth;
    }

    /// <summary>One layer k, fully resolved: sizes, activation and where its parameters sit in the flat block.</summary>
    /// <param name="Number">k, counting from 1.</param>
    /// <param name="FanIn">N_{k-1}, the length of h_{k-1}.</param>
    /// <param name="Units">N_k, the length of h_k.</param>
    /// <param name="Pieces">Affine pieces per unit: 1 for dense layers.</param>
    /// <param name="Alpha">Leaky ReLU slope or ELU alpha; 0 where unused.</param>
    /// <param name="Offset">Where W_k starts in the parameter block; b_k follows it.</param>
    /// <param name="HasBias">Whether the layer has a bias b_k (<c>[Dense(..., Bias = false)]</c> has none).</param>
    /// <param name="Epsilon">A layer normalisation's epsilon; 0 for the other kinds.</param>
    /// <param name="NormalizedSize">How many consecutive values a layer normalisation normalises together (the length of
    /// gamma and of beta); it divides <paramref name="Units"/>. 0 for the other kinds.</param>
    /// <param name="SoftmaxSize">For a softmax activation over groups (an ONNX Softmax on the last axis of a sample of
    /// several dimensions), the length of each group; 0 for one softmax over all the units.</param>
    internal sealed record LayerSpec(
        int Number,
        LayerKind Kind,
        int FanIn,
        int Units,
        int Pieces,
        ActivationKind Activation,
        double Alpha,
        int Offset,
        bool HasBias = true,
        double Epsilon = 0,
        int NormalizedSize = 0,
        int SoftmaxSize = 0,
        ConvSpec? Conv = null)
    {
        /// <summary>The length of a_k: units x pieces (piece-major for maxout).</summary>
        public int AffineOutputs => Units * Pieces;

        /// <summary>The length of W_k: fan-in x affine outputs, or one scale per unit for a layer normalisation.</summary>
        public int WeightCount => Kind switch
        {
            LayerKind.LayerNorm => NormalizedSize,
            LayerKind.Convolution => Conv!.WeightCount,
            LayerKind.MaxPool or LayerKind.AvgPool => 0,
            _ => FanIn * AffineOutputs,
        };

        public int BiasOffset => Offset + WeightCount;

        /// <summary>The number of biases: one per affine output (per normalised value for a layer normalisation), or none.</summary>
        public int BiasCount => !HasBias ? 0 : Kind switch
        {
            LayerKind.LayerNorm => NormalizedSize,
            LayerKind.Convolution => Conv!.OutChannels,
            _ => AffineOutputs,
        };

        /// <summary>The length of each softmax: all the units, or <see cref="SoftmaxSize"/>.</summary>
        public int SoftmaxWidth => SoftmaxSize > 0 ? SoftmaxSize : Units;

        /// <summary>How many softmaxes the activation takes, one after another over the units.</summary>
        public int SoftmaxGroups => Units / SoftmaxWidth;

        /// <summary>A layer normalisation's groups: the input splits into this many runs of <see cref="NormalizedSize"/>
        /// values, each normalised on its own.</summary>
        public int Groups => Kind == LayerKind.LayerNorm ? Units / NormalizedSize : 1;

        /// <summary>The learnable slopes of a PReLU activation, one per channel of a convolution (per unit otherwise), after
        /// the biases; 0 for other activations.</summary>
        public int SlopeCount => Activation != ActivationKind.PReLU || Kind == LayerKind.Maxout ? 0 : Conv is { } c ? c.OutChannels : Units;

        public int SlopeOffset => BiasOffset + BiasCount;

        /// <summary>How many consecutive values of a_k share one PReLU slope: a convolution's positions per channel, else 1.</summary>
        public int SlopePositions => Conv is { } c && Kind == LayerKind.Convolution ? c.OutHeight * c.OutWidth : 1;

        public int ParameterCount => WeightCount + BiasCount + SlopeCount;

        /// <summary>Whether h_k is a_k itself (no activation), so no separate storage or backward step is needed.</summary>
        public bool IsIdentity => Kind != LayerKind.Maxout && Activation == ActivationKind.Identity;

        /// <summary>Whether the layer is an affine map <c>a_k = W_k h_{k-1} + b_k</c> with generated kernels (dense and
        /// maxout), rather than a layer normalisation, which the runtime's <c>Normalization</c> computes.</summary>
        public bool IsAffine => Kind is LayerKind.Dense or LayerKind.Maxout;

        /// <summary>Whether the layer is a pool, with no parameters and no activation.</summary>
        public bool IsPool => Kind is LayerKind.MaxPool or LayerKind.AvgPool;

        /// <summary>A convolution's or pool's attribute name (<c>Conv2D</c>, <c>MaxPool1D</c>, <c>GlobalAvgPool</c>, ...); its
        /// weights file <c>"type"</c> is the same in lower case. Empty for the other layers.</summary>
        public string SpatialName => Conv is not { } c
            ? string.Empty
            : Kind switch
            {
                LayerKind.Convolution => c.Dimensions == 2 ? "Conv2D" : "Conv1D",
                LayerKind.MaxPool => c.Dimensions == 2 ? "MaxPool2D" : "MaxPool1D",
                _ => c.Global ? "GlobalAvgPool" : c.Dimensions == 2 ? "AvgPool2D" : "AvgPool1D",
            };

        /// <summary>Whether the layer is a convolution or a pool, whose runtime <c>Convolution</c> helpers take its
        /// <see cref="Conv"/> geometry.</summary>
        public bool IsSpatial => Conv is not null;
    }

    /// <summary>One enclosing type of a nested network type, outermost first.</summary>
    internal sealed record ContainingTypeSpec(string Keyword, string Name);

    /// <summary>Where the network type is declared and how to reopen it.</summary>
    /// <param name="Keyword">class, struct, record or record struct.</param>
    /// <param name="NeedsConstructor">A struct with no explicit constructor gets a parameterless one, so the field
    /// initialisers that allocate and initialise the parameters run.</param>
    internal sealed record TypeSpec(
        string? Namespace,
        EquatableArray<ContainingTypeSpec> ContainingTypes,
        string Keyword,
        string Name,
        string FullName,
        bool NeedsConstructor);

    /// <summary>Everything the emitter needs to write one network; the cache boundary of the pipeline.</summary>
    internal sealed record NetworkSpec(
        TypeSpec Type,
        bool IsDouble,
        bool Unrolled,
        int InputSize,
        EquatableArray<LayerSpec> Layers,
        LossKind Loss,
        ImportSpec? Import = null,
        bool Int8 = false)
    {
        public LayerSpec Output => Layers[Layers.Count - 1];

        public int OutputSize => Output.Units;

        public int ParameterCount => Output.Offset + Output.ParameterCount;

        public string Scalar => IsDouble ? "double" : "float";

        /// <summary>What <c>Forward</c> returns: h_L, or a_L for an import that ends in logits (see <see cref="ImportSpec.Logits"/>).</summary>
        public string OutputVector => (Import?.Logits == true || Import?.LogSoftmax == true ? "a" : "h") + Output.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
