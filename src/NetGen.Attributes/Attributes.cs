using System;

namespace NetGen
{
    /// <summary>Declares the input layer: the size of <c>h_0 = x</c>. Exactly one per network.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class InputAttribute : Attribute
    {
        /// <summary>Declares an input of <paramref name="size"/> values.</summary>
        /// <param name="size">The number of input values; at least 1.</param>
        public InputAttribute(int size) => Size = size;

        /// <summary>The number of input values.</summary>
        public int Size { get; }
    }

    /// <summary>A fully connected layer, <c>a = W h + b</c>, <c>h = g(a)</c>. Layers run in declaration order.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class DenseAttribute : Attribute
    {
        /// <summary>Declares a dense layer.</summary>
        /// <param name="units">The number of units (outputs); at least 1.</param>
        /// <param name="activation">The activation function; identity by default.</param>
        public DenseAttribute(int units, Activation activation = Activation.Identity)
        {
            Units = units;
            Activation = activation;
        }

        /// <summary>The number of units.</summary>
        public int Units { get; }

        /// <summary>The activation function.</summary>
        public Activation Activation { get; }

        /// <summary>The slope of <see cref="Activation.LeakyReLU"/> for negative inputs (default 0.01, range [0, 1)),
        /// or the <c>alpha</c> of <see cref="Activation.ELU"/> (default 1, range (0, 100]).</summary>
        public double Alpha { get; set; }

        /// <summary>Whether the layer has a bias <c>b</c> (the default). <c>Bias = false</c> gives <c>a = W h</c> with no
        /// bias parameters, as PyTorch's <c>nn.Linear(bias=False)</c> and Keras's <c>use_bias=False</c>.</summary>
        public bool Bias { get; set; } = true;
    }

    /// <summary>A maxout layer: each unit keeps <c>pieces</c> affine maps and outputs the largest,
    /// <c>h_i = max_p (W_{i,p} h + b_{i,p})</c>. Mixes freely with <see cref="DenseAttribute"/>.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class MaxoutAttribute : Attribute
    {
        /// <summary>Declares a maxout layer.</summary>
        /// <param name="units">The number of units (outputs); at least 1.</param>
        /// <param name="pieces">The number of affine pieces per unit; at least 2.</param>
        public MaxoutAttribute(int units, int pieces)
        {
            Units = units;
            Pieces = pieces;
        }

        /// <summary>The number of units.</summary>
        public int Units { get; }

        /// <summary>The number of affine pieces per unit.</summary>
        public int Pieces { get; }
    }

    /// <summary>Layer normalisation over the previous layer's output, as PyTorch's <c>nn.LayerNorm(n)</c>:
    /// <c>a = gamma * (h - mean(h)) / sqrt(var(h) + Epsilon) + beta</c>, with the biased variance, then <c>h = g(a)</c>.
    /// It keeps its input's size and has two learned vectors, the scale <c>gamma</c> (starting at 1) and the shift
    /// <c>beta</c> (starting at 0). Place it after a <see cref="DenseAttribute"/> (or first, to normalise the input).</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class LayerNormAttribute : Attribute
    {
        /// <summary>Added to the variance before the square root: PyTorch's default, 1e-5, unless set; must be positive.</summary>
        public double Epsilon { get; set; } = 1e-5;

        /// <summary>The activation applied after the normalisation; identity by default (PyTorch's
        /// <c>nn.Linear, nn.LayerNorm, nn.ReLU</c> is <c>[Dense(n)] [LayerNorm(Activation = Activation.ReLU)]</c>).</summary>
        public Activation Activation { get; set; }

        /// <summary>As <see cref="DenseAttribute.Alpha"/>, for a LeakyReLU or ELU activation.</summary>
        public double Alpha { get; set; }

        /// <summary>How many consecutive values are normalised together; 0 (the default) for the whole input. A smaller
        /// size splits the input into groups of that many values, each normalised on its own with the same gamma and beta
        /// (NormalizedSize of each): PyTorch's <c>nn.LayerNorm(d)</c> over a sample of shape <c>[t, d]</c>, such as a
        /// sequence of t tokens of d features. It must divide the input size.</summary>
        public int NormalizedSize { get; set; }
    }

    /// <summary>The loss the network is trained on. Exactly one per network.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class LossAttribute : Attribute
    {
        /// <summary>Declares the loss.</summary>
        /// <param name="loss">The loss function.</param>
        public LossAttribute(LossFunction loss) => Loss = loss;

        /// <summary>The loss function.</summary>
        public LossFunction Loss { get; }
    }

    /// <summary>Network-wide options. Optional.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
    public sealed class NetworkAttribute : Attribute
    {
        /// <summary>The floating-point type the network computes in; <see cref="Precision.Single"/> by default.</summary>
        public Precision Precision { get; set; }

        /// <summary>The shape of the generated kernels; <see cref="KernelStyle.Vectorized"/> by default.</summary>
        public KernelStyle Kernels { get; set; }
    }

    /// <summary>Bakes trained parameters into the generated code: the network becomes inference-only, with static
    /// <c>Forward</c> and <c>Classify</c> methods and its parameters as read-only data in the assembly, so nothing is
    /// loaded or parsed at run time. The file is NetGen's weights JSON (see <c>docs/weights-format.md</c>), passed to
    /// the compiler as an <c>AdditionalFiles</c> item; a missing, malformed or mismatched file is a compile-time error.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
    public sealed class WeightsAttribute : Attribute
    {
        /// <summary>Names the weights file to bake.</summary>
        /// <param name="path">The file's path, relative to the source file that declares the network (or a path
        /// that ends one AdditionalFiles item's path).</param>
        public WeightsAttribute(string path) => Path = path;

        /// <summary>The weights file's path as written.</summary>
        public string Path { get; }
    }

    /// <summary>Compiles an ONNX model (exported from PyTorch, opsets 11 to 17) into the network: its layers come from the
    /// model's graph, so the type declares no <c>[Input]</c> or layers. On a <c>static</c> class the weights are baked in
    /// as read-only data (the members a <c>[Weights]</c> network has); on a non-static class, which needs a
    /// <c>[Loss]</c>, the model's weights are the starting parameters of a trainable network. Both also have
    /// <c>InputShape</c> and <c>OutputShape</c>, the model's shapes without the batch dimension. The model must be a
    /// <c>NetGenModel</c> item of the project: the build converts it before the compiler runs (see docs/onnx.md).</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
    public sealed class OnnxModelAttribute : Attribute
    {
        /// <summary>Names the model to compile.</summary>
        /// <param name="path">The model's path, relative to the source file that declares the network (or a path that ends
        /// one <c>NetGenModel</c> item's path).</param>
        public OnnxModelAttribute(string path) => Path = path;

        /// <summary>The model's path as written.</summary>
        public string Path { get; }
    }
}
