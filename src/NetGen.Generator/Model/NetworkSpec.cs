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
        int SoftmaxSize = 0)
    {
        /// <summary>The length of a_k: units x pieces (piece-major for maxout).</summary>
        public int AffineOutputs => Units * Pieces;

        /// <summary>The length of W_k: fan-in x affine outputs, or one scale per unit for a layer normalisation.</summary>
        public int WeightCount => Kind == LayerKind.LayerNorm ? NormalizedSize : FanIn * AffineOutputs;

        public int BiasOffset => Offset + WeightCount;

        /// <summary>The number of biases: one per affine output (per normalised value for a layer normalisation), or none.</summary>
        public int BiasCount => !HasBias ? 0 : Kind == LayerKind.LayerNorm ? NormalizedSize : AffineOutputs;

        /// <summary>The length of each softmax: all the units, or <see cref="SoftmaxSize"/>.</summary>
        public int SoftmaxWidth => SoftmaxSize > 0 ? SoftmaxSize : Units;

        /// <summary>How many softmaxes the activation takes, one after another over the units.</summary>
        public int SoftmaxGroups => Units / SoftmaxWidth;

        /// <summary>A layer normalisation's groups: the input splits into this many runs of <see cref="NormalizedSize"/>
        /// values, each normalised on its own.</summary>
        public int Groups => Kind == LayerKind.LayerNorm ? Units / NormalizedSize : 1;

        public int ParameterCount => WeightCount + BiasCount;

        /// <summary>Whether h_k is a_k itself (no activation), so no separate storage or backward step is needed.</summary>
        public bool IsIdentity => Kind != LayerKind.Maxout && Activation == ActivationKind.Identity;

        /// <summary>Whether the layer is an affine map <c>a_k = W_k h_{k-1} + b_k</c> with generated kernels (dense and
        /// maxout), rather than a layer normalisation, which the runtime's <c>Normalization</c> computes.</summary>
        public bool IsAffine => Kind != LayerKind.LayerNorm;
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
        ImportSpec? Import = null)
    {
        public LayerSpec Output => Layers[Layers.Count - 1];

        public int OutputSize => Output.Units;

        public int ParameterCount => Output.Offset + Output.ParameterCount;

        public string Scalar => IsDouble ? "double" : "float";

        /// <summary>What <c>Forward</c> returns: h_L, or a_L for an import that ends in logits (see <see cref="ImportSpec.Logits"/>).</summary>
        public string OutputVector => (Import?.Logits == true || Import?.LogSoftmax == true ? "a" : "h") + Output.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
