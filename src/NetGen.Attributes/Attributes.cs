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

        /// <summary>Declares a one-dimensional input of <paramref name="channels"/> channels of <paramref name="length"/>
        /// values each, channel-major (PyTorch's <c>[C, L]</c>, one sample), for <see cref="Conv1DAttribute"/> and the 1-D
        /// pools. <see cref="Size"/> is their product.</summary>
        /// <param name="channels">The number of channels; at least 1.</param>
        /// <param name="length">The length of each channel; at least 1.</param>
        public InputAttribute(int channels, int length)
        {
            Channels = channels;
            Height = 1;
            Width = length;
            Size = channels * length;
        }

        /// <summary>Declares an image input of <paramref name="channels"/> x <paramref name="height"/> x
        /// <paramref name="width"/> values, channel-major then row-major (PyTorch's NCHW, one sample), for
        /// <see cref="Conv2DAttribute"/> and the 2-D pools. <see cref="Size"/> is their product.</summary>
        /// <param name="channels">The number of channels; at least 1.</param>
        /// <param name="height">The number of rows; at least 1.</param>
        /// <param name="width">The number of columns; at least 1.</param>
        public InputAttribute(int channels, int height, int width)
        {
            Channels = channels;
            Height = height;
            Width = width;
            Size = channels * height * width;
        }

        /// <summary>The number of input values.</summary>
        public int Size { get; }

        /// <summary>The number of channels of a 1-D or 2-D input; 0 for a flat vector.</summary>
        public int Channels { get; }

        /// <summary>The number of rows of a 2-D input (1 for a 1-D input); 0 for a flat vector.</summary>
        public int Height { get; }

        /// <summary>The number of columns of a 2-D input, or the length of a 1-D input; 0 for a flat vector.</summary>
        public int Width { get; }
    }

    /// <summary>A two-dimensional convolution over a C x H x W input, as PyTorch's <c>nn.Conv2d</c>:
    /// <c>a[o,y,x] = b[o] + sum_{c in group(o), i, j} W[o,c,i,j] h[c, y*s + i*r - p, x*s + j*r - p]</c>, then <c>h = g(a)</c>,
    /// with stride s, dilation r and zero padding p. Its output is <see cref="Filters"/> x H' x W', channel-major.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class Conv2DAttribute : Attribute
    {
        /// <summary>Declares a convolution with a square kernel.</summary>
        /// <param name="filters">The number of output channels; at least 1.</param>
        /// <param name="kernel">The kernel's height and width; at least 1.</param>
        /// <param name="activation">The activation function; identity by default. Softmax is not allowed.</param>
        public Conv2DAttribute(int filters, int kernel, Activation activation = Activation.Identity)
            : this(filters, kernel, kernel, activation)
        {
        }

        /// <summary>Declares a convolution with a rectangular kernel.</summary>
        /// <param name="filters">The number of output channels; at least 1.</param>
        /// <param name="kernelHeight">The kernel's height; at least 1.</param>
        /// <param name="kernelWidth">The kernel's width; at least 1.</param>
        /// <param name="activation">The activation function; identity by default. Softmax is not allowed.</param>
        public Conv2DAttribute(int filters, int kernelHeight, int kernelWidth, Activation activation = Activation.Identity)
        {
            Filters = filters;
            KernelHeight = kernelHeight;
            KernelWidth = kernelWidth;
            Activation = activation;
        }

        /// <summary>The number of output channels.</summary>
        public int Filters { get; }

        /// <summary>The kernel's height.</summary>
        public int KernelHeight { get; }

        /// <summary>The kernel's width.</summary>
        public int KernelWidth { get; }

        /// <summary>The activation function.</summary>
        public Activation Activation { get; }

        /// <summary>As <see cref="DenseAttribute.Alpha"/>, for a LeakyReLU, ELU or PReLU activation.</summary>
        public double Alpha { get; set; }

        /// <summary>The step between output positions on both axes; 1 by default.</summary>
        public int Stride { get; set; } = 1;

        /// <summary>The step between output rows; overrides <see cref="Stride"/> when set.</summary>
        public int StrideHeight { get; set; }

        /// <summary>The step between output columns; overrides <see cref="Stride"/> when set.</summary>
        public int StrideWidth { get; set; }

        /// <summary>Zeros added on every side; 0 by default. Ignored when <see cref="PaddingMode"/> is not
        /// <see cref="NetGen.PaddingMode.Explicit"/>.</summary>
        public int Padding { get; set; }

        /// <summary>Zeros above and below; overrides <see cref="Padding"/> when set.</summary>
        public int PaddingHeight { get; set; } = -1;

        /// <summary>Zeros left and right; overrides <see cref="Padding"/> when set.</summary>
        public int PaddingWidth { get; set; } = -1;

        /// <summary>How the padding is chosen: the explicit <see cref="Padding"/> (the default), or
        /// <see cref="NetGen.PaddingMode.Same"/>.</summary>
        public PaddingMode PaddingMode { get; set; }

        /// <summary>The spacing between kernel taps on both axes; 1 by default.</summary>
        public int Dilation { get; set; } = 1;

        /// <summary>The spacing between kernel rows; overrides <see cref="Dilation"/> when set.</summary>
        public int DilationHeight { get; set; }

        /// <summary>The spacing between kernel columns; overrides <see cref="Dilation"/> when set.</summary>
        public int DilationWidth { get; set; }

        /// <summary>The number of groups: input and output channels split into this many groups, each convolved on its
        /// own (equal to the input channels and to <see cref="Filters"/> for a depthwise convolution); 1 by default.</summary>
        public int Groups { get; set; } = 1;

        /// <summary>Whether the layer has a bias (the default).</summary>
        public bool Bias { get; set; } = true;
    }

    /// <summary>A one-dimensional convolution over a C x L input, as PyTorch's <c>nn.Conv1d</c>:
    /// <c>a[o,x] = b[o] + sum_{c in group(o), j} W[o,c,j] h[c, x*s + j*r - p]</c>, then <c>h = g(a)</c>.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class Conv1DAttribute : Attribute
    {
        /// <summary>Declares a 1-D convolution.</summary>
        /// <param name="filters">The number of output channels; at least 1.</param>
        /// <param name="kernel">The kernel's length; at least 1.</param>
        /// <param name="activation">The activation function; identity by default. Softmax is not allowed.</param>
        public Conv1DAttribute(int filters, int kernel, Activation activation = Activation.Identity)
        {
            Filters = filters;
            Kernel = kernel;
            Activation = activation;
        }

        /// <summary>The number of output channels.</summary>
        public int Filters { get; }

        /// <summary>The kernel's length.</summary>
        public int Kernel { get; }

        /// <summary>The activation function.</summary>
        public Activation Activation { get; }

        /// <summary>As <see cref="DenseAttribute.Alpha"/>, for a LeakyReLU, ELU or PReLU activation.</summary>
        public double Alpha { get; set; }

        /// <summary>The step between output positions; 1 by default.</summary>
        public int Stride { get; set; } = 1;

        /// <summary>Zeros added at both ends; 0 by default. Ignored when <see cref="PaddingMode"/> is not
        /// <see cref="NetGen.PaddingMode.Explicit"/>.</summary>
        public int Padding { get; set; }

        /// <summary>How the padding is chosen: explicit (the default), <see cref="NetGen.PaddingMode.Same"/> or
        /// <see cref="NetGen.PaddingMode.Causal"/>.</summary>
        public PaddingMode PaddingMode { get; set; }

        /// <summary>The spacing between kernel taps; 1 by default.</summary>
        public int Dilation { get; set; } = 1;

        /// <summary>The number of groups, as <see cref="Conv2DAttribute.Groups"/>; 1 by default.</summary>
        public int Groups { get; set; } = 1;

        /// <summary>Whether the layer has a bias (the default).</summary>
        public bool Bias { get; set; } = true;
    }

    /// <summary>What every pooling attribute has: a window size, a stride, padding and the ceil mode.</summary>
    public abstract class PoolAttribute : Attribute
    {
        /// <summary>Declares a pool with a window of <paramref name="size"/> (square for a 2-D pool).</summary>
        /// <param name="size">The window's size; at least 1.</param>
        protected PoolAttribute(int size) => Size = size;

        /// <summary>The window's size.</summary>
        public int Size { get; }

        /// <summary>The step between windows; the window size by default (PyTorch's default).</summary>
        public int Stride { get; set; }

        /// <summary>Positions added on every side: zeros for an average pool, never winning for a max pool; at most half
        /// the window.</summary>
        public int Padding { get; set; }

        /// <summary>Whether the output size rounds up, keeping a last window that starts inside the input (PyTorch's
        /// <c>ceil_mode</c>); false by default.</summary>
        public bool CeilMode { get; set; }
    }

    /// <summary>Max pooling over a C x H x W input, as PyTorch's <c>nn.MaxPool2d</c>: each output is the largest input in
    /// its window (padding never wins). Backward routes the gradient to the arg-max, the first one on a tie.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPool2DAttribute : PoolAttribute
    {
        /// <summary>Declares a max pool with a square window.</summary>
        /// <param name="size">The window's height and width; at least 1.</param>
        public MaxPool2DAttribute(int size)
            : base(size)
        {
        }
    }

    /// <summary>Average pooling over a C x H x W input, as PyTorch's <c>nn.AvgPool2d</c>.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class AvgPool2DAttribute : PoolAttribute
    {
        /// <summary>Declares an average pool with a square window.</summary>
        /// <param name="size">The window's height and width; at least 1.</param>
        public AvgPool2DAttribute(int size)
            : base(size)
        {
        }

        /// <summary>Whether padding counts in the divisor: PyTorch's default, true (ONNX's default is false).</summary>
        public bool CountIncludePad { get; set; } = true;
    }

    /// <summary>Max pooling over a C x L input, as PyTorch's <c>nn.MaxPool1d</c>.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPool1DAttribute : PoolAttribute
    {
        /// <summary>Declares a 1-D max pool.</summary>
        /// <param name="size">The window's length; at least 1.</param>
        public MaxPool1DAttribute(int size)
            : base(size)
        {
        }
    }

    /// <summary>Average pooling over a C x L input, as PyTorch's <c>nn.AvgPool1d</c>.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class AvgPool1DAttribute : PoolAttribute
    {
        /// <summary>Declares a 1-D average pool.</summary>
        /// <param name="size">The window's length; at least 1.</param>
        public AvgPool1DAttribute(int size)
            : base(size)
        {
        }

        /// <summary>Whether padding counts in the divisor: PyTorch's default, true (ONNX's default is false).</summary>
        public bool CountIncludePad { get; set; } = true;
    }

    /// <summary>The mean of each channel over all its positions, as <c>nn.AdaptiveAvgPool2d(1)</c> followed by a flatten
    /// (or ONNX's <c>GlobalAveragePool</c>): a C x H x W or C x L input gives C values.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
    public sealed class GlobalAvgPoolAttribute : Attribute
    {
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
        /// the <c>alpha</c> of <see cref="Activation.ELU"/> (default 1, range (0, 100]), or the starting value of the
        /// learnable slopes of <see cref="Activation.PReLU"/> (default 0.25, any finite value).</summary>
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

        /// <summary>As <see cref="DenseAttribute.Alpha"/>, for a LeakyReLU, ELU or PReLU activation.</summary>
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

        /// <summary>How a baked network computes; <see cref="Inference.Float"/> by default. <see cref="Inference.Int8"/>
        /// generates int8 inference from the weights file and its calibration section (NG0035, NG0036).</summary>
        public Inference Inference { get; set; }
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

        /// <summary>For <c>[Network(Inference = Inference.Int8)]</c> on a static class: a JSON file (an
        /// <c>AdditionalFiles</c> item, its path as the model's) whose <c>"calibration"</c> section gives each layer's
        /// input range, as <c>Calibration.ToJson()</c> or <c>WeightsJson.Export(net, calibration)</c> writes it for the
        /// trainable form of the same model. Read only with <c>Inference.Int8</c>. See docs/quantization.md.</summary>
        public string? Calibration { get; set; }
    }
}
