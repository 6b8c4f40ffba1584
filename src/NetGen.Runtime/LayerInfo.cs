using System.Globalization;
using NetGen.Runtime;

namespace NetGen
{
    /// <summary>What a layer is and where its parameters live: <c>W_k</c> (<see cref="Units"/> x <see cref="Pieces"/> by
    /// <see cref="FanIn"/>, input-major) at <see cref="WeightOffset"/>, then <c>b_k</c> at <see cref="BiasOffset"/>.</summary>
    /// <param name="Number">k, counting from 1.</param>
    /// <param name="IsMaxout">Whether this is a maxout layer (its affine outputs are piece-major).</param>
    /// <param name="FanIn">N_{k-1}, the length of the layer's input.</param>
    /// <param name="Units">N_k, the length of the layer's output.</param>
    /// <param name="Pieces">Affine pieces per unit: 1 for dense layers.</param>
    /// <param name="Activation">The activation (identity for maxout layers).</param>
    /// <param name="Alpha">Leaky ReLU slope or ELU alpha; 0 where unused.</param>
    /// <param name="WeightOffset">Where W_k starts in the parameter block.</param>
    /// <param name="HasBias">Whether the layer has a bias b_k (false for <c>[Dense(..., Bias = false)]</c>).</param>
    /// <param name="IsLayerNorm">Whether this is a layer normalisation (<c>[LayerNorm]</c>): W_k is its scale gamma, one per
    /// normalised value, and b_k its shift beta; <see cref="FanIn"/> equals <see cref="Units"/>.</param>
    /// <param name="Epsilon">A layer normalisation's epsilon; 0 for the other layers.</param>
    /// <param name="NormalizedSize">How many consecutive values a layer normalisation normalises together, when fewer than
    /// its <see cref="Units"/> (<c>[LayerNorm(NormalizedSize = d)]</c>); 0 means all of them.</param>
    /// <param name="SoftmaxSize">For a softmax over groups (an imported ONNX Softmax on the last axis of a sample of several
    /// dimensions), the length of each group; 0 for one softmax over all the units.</param>
    /// <param name="Logits">Whether the network's outputs are this (output) layer's logits <c>a_L</c>, not <c>h_L</c>: an
    /// ONNX import whose graph ends without its Softmax or Sigmoid, which trains with that function inside the loss
    /// (<c>nn.CrossEntropyLoss</c>, <c>nn.BCEWithLogitsLoss</c>). <see cref="Activation"/> is then the function the loss
    /// applies; <c>Forward</c> returns the logits, which <see cref="Training.Classification"/> and
    /// <see cref="Training.Evaluation"/> read as such.</param>
    /// <param name="Convolution">For a convolution or a pool, its kind and geometry; null for the other layers.</param>
    public sealed record LayerInfo(int Number, bool IsMaxout, int FanIn, int Units, int Pieces, Activation Activation, double Alpha, int WeightOffset, bool HasBias = true, bool IsLayerNorm = false, double Epsilon = 0, int NormalizedSize = 0, int SoftmaxSize = 0, bool Logits = false, ConvolutionInfo? Convolution = null)
    {
        /// <summary>Whether this is a convolution (<c>[Conv1D]</c> or <c>[Conv2D]</c>).</summary>
        public bool IsConvolution => Convolution?.IsConvolution == true;

        /// <summary>Whether this is a pool: no parameters.</summary>
        public bool IsPool => Convolution is { IsConvolution: false };

        /// <summary>A layer normalisation's length of gamma and of beta: <see cref="NormalizedSize"/>, or all its units.</summary>
        public int NormalizedLength => NormalizedSize > 0 ? NormalizedSize : Units;

        /// <summary>The length of a_k: units x pieces.</summary>
        public int AffineOutputs => Units * Pieces;

        /// <summary>The number of weights: fan-in x affine outputs, or one scale per unit for a layer normalisation.</summary>
        public int WeightCount => IsLayerNorm ? NormalizedLength : Convolution is { } c ? (c.IsConvolution ? c.Shape.WeightCount : 0) : FanIn * AffineOutputs;

        /// <summary>Where b_k starts in the parameter block (where it would start, for a layer without bias).</summary>
        public int BiasOffset => WeightOffset + WeightCount;

        /// <summary>The number of biases: one per affine output, or none.</summary>
        public int BiasCount => !HasBias ? 0 : IsLayerNorm ? NormalizedLength : Convolution is { } c ? (c.IsConvolution ? c.Shape.OutChannels : 0) : AffineOutputs;

        /// <summary>The learnable slopes of a <see cref="Activation.PReLU"/> activation (one per channel of a convolution,
        /// per unit otherwise), stored after the biases at <see cref="SlopeOffset"/>; 0 for other activations.
        /// <see cref="Alpha"/> is then the slopes' starting value.</summary>
        public int SlopeCount => Activation != Activation.PReLU || IsMaxout ? 0 : Convolution is { IsConvolution: true } c ? c.Shape.OutChannels : Units;

        /// <summary>Where the PReLU slopes start: after the biases.</summary>
        public int SlopeOffset => BiasOffset + BiasCount;

        /// <summary>The layer's <c>"type"</c> in the weights JSON: <c>dense</c>, <c>maxout</c> or <c>layernorm</c>.</summary>
        public string TypeName => Convolution?.Type ?? (IsMaxout ? "maxout" : IsLayerNorm ? "layernorm" : "dense");

        /// <summary>A short description such as <c>dense 16 -> 8 tanh</c>, <c>maxout 16 -> 8 x 3</c> or <c>layernorm 16 eps 1E-05 Identity</c>.</summary>
        public override string ToString() => Convolution is { } c
            ? string.Create(CultureInfo.InvariantCulture, $"{c} {Activation}{(Alpha != 0 ? $"({Alpha:R})" : string.Empty)}")
            : IsMaxout
            ? string.Create(CultureInfo.InvariantCulture, $"maxout {FanIn} -> {Units} x {Pieces}")
            : IsLayerNorm
            ? string.Create(CultureInfo.InvariantCulture, $"layernorm {Units}{(NormalizedLength != Units ? $" in groups of {NormalizedLength}" : string.Empty)} eps {Epsilon:R} {Activation}{(Alpha != 0 ? $"({Alpha:R})" : string.Empty)}{SoftmaxText}")
            : string.Create(CultureInfo.InvariantCulture, $"dense {FanIn} -> {Units} {Activation}{(Alpha != 0 ? $"({Alpha:R})" : string.Empty)}{SoftmaxText}{(HasBias ? string.Empty : " no bias")}");

        private string SoftmaxText => SoftmaxSize > 0 && SoftmaxSize < Units ? string.Create(CultureInfo.InvariantCulture, $" per {SoftmaxSize}") : string.Empty;
    }

    /// <summary>The kind and geometry of a convolution or a pool.</summary>
    /// <param name="Type">The weights file's type: <c>conv2d</c>, <c>conv1d</c>, <c>maxpool2d</c>, <c>avgpool2d</c>,
    /// <c>maxpool1d</c>, <c>avgpool1d</c> or <c>globalavgpool</c>.</param>
    /// <param name="Shape">Input, output, window, strides, padding, dilations and groups.</param>
    /// <param name="CountIncludePad">For an average pool, whether padding counts in the divisor.</param>
    /// <param name="CeilMode">For a pool, whether its output size was rounded up.</param>
    /// <param name="Padding">How the padding was declared: <c>explicit</c>, <c>same</c> or <c>causal</c>.</param>
    /// <param name="Dimensions">1 for a layer over C x L planes (height 1), 2 for C x H x W.</param>
    public sealed record ConvolutionInfo(string Type, ConvolutionShape Shape, bool CountIncludePad = true, bool CeilMode = false, string Padding = "explicit", int Dimensions = 2)
    {
        /// <summary>Whether the layer is a convolution rather than a pool.</summary>
        public bool IsConvolution => Type.StartsWith("conv", System.StringComparison.Ordinal);

        /// <summary>A short description such as <c>conv2d 1x28x28 -> 6x28x28 k5x5 s1x1 p2x2</c>, with the dilation, groups,
        /// padding mode, ceil mode and divisor rule when they are not the defaults: a saved file's topology must match it.</summary>
        public override string ToString()
        {
            ConvolutionShape s = Shape;
            var text = new System.Text.StringBuilder(string.Create(
                CultureInfo.InvariantCulture,
                $"{Type} {s.InChannels}x{s.InHeight}x{s.InWidth} -> {s.OutChannels}x{s.OutHeight}x{s.OutWidth} k{s.KernelHeight}x{s.KernelWidth} s{s.StrideHeight}x{s.StrideWidth} p{s.PadTop}x{s.PadLeft}"));
            if (s.PadBottom != s.PadTop || s.PadRight != s.PadLeft)
            {
                text.Append(CultureInfo.InvariantCulture, $"/{s.PadBottom}x{s.PadRight}");
            }

            if (Padding != "explicit")
            {
                text.Append(' ').Append(Padding);
            }

            if (s.DilationHeight != 1 || s.DilationWidth != 1)
            {
                text.Append(CultureInfo.InvariantCulture, $" d{s.DilationHeight}x{s.DilationWidth}");
            }

            if (s.Groups != 1)
            {
                text.Append(CultureInfo.InvariantCulture, $" g{s.Groups}");
            }

            if (CeilMode)
            {
                text.Append(" ceil");
            }

            if (!CountIncludePad && Type.StartsWith("avgpool", System.StringComparison.Ordinal))
            {
                text.Append(" padding-not-counted");
            }

            return text.ToString();
        }
    }
}
