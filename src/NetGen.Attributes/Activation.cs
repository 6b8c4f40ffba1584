namespace NetGen
{
    /// <summary>The activation function <c>g</c> a layer applies to its pre-activation: <c>h = g(a)</c>.</summary>
    /// <remarks>The numeric values are part of the contract with the generator; never renumber them.</remarks>
    public enum Activation
    {
        /// <summary><c>g(a) = a</c>.</summary>
        Identity = 0,

        /// <summary><c>g(a) = 1 / (1 + e^-a)</c>.</summary>
        Sigmoid = 1,

        /// <summary><c>g(a) = tanh(a)</c>.</summary>
        Tanh = 2,

        /// <summary><c>g(a) = max(0, a)</c>; the derivative at 0 is taken as 0, as in PyTorch.</summary>
        ReLU = 3,

        /// <summary><c>g(a) = a</c> if <c>a &gt; 0</c>, else <c>alpha a</c>; alpha defaults to 0.01 (see <see cref="DenseAttribute.Alpha"/>).</summary>
        LeakyReLU = 4,

        /// <summary><c>g(a) = a</c> if <c>a &gt; 0</c>, else <c>alpha (e^a - 1)</c>; alpha defaults to 1 (see <see cref="DenseAttribute.Alpha"/>).</summary>
        ELU = 5,

        /// <summary><c>g(a)_k = e^{a_k} / sum_j e^{a_j}</c>, computed stably; allowed on the last layer only.</summary>
        Softmax = 6,

        /// <summary><c>g(a) = a</c> if <c>a &gt; 0</c>, else <c>alpha_c a</c>, with one learnable slope per channel of a
        /// convolution (per unit of a dense layer), as PyTorch's <c>nn.PReLU(num_parameters=C)</c>. The slopes are
        /// parameters after the layer's bias and start at <c>Alpha</c> (default 0.25, PyTorch's); any finite value is
        /// allowed, and training may take them outside [0, 1).</summary>
        PReLU = 7,
    }

    /// <summary>The per-sample loss a network is trained on.</summary>
    public enum LossFunction
    {
        /// <summary>Mean squared error, <c>1/2 |y - d|^2</c>, for regression.</summary>
        MeanSquaredError = 0,

        /// <summary>Cross-entropy <c>-sum d_k log y_k</c>; needs a <see cref="Activation.Softmax"/> output and targets that sum to 1.</summary>
        CrossEntropy = 1,

        /// <summary>Binary cross-entropy <c>-sum [d log y + (1 - d) log(1 - y)]</c>; needs a <see cref="Activation.Sigmoid"/> output.</summary>
        BinaryCrossEntropy = 2,
    }

    /// <summary>The floating-point type a network computes in.</summary>
    public enum Precision
    {
        /// <summary>32-bit <see cref="float"/>: the default.</summary>
        Single = 0,

        /// <summary>64-bit <see cref="double"/>.</summary>
        Double = 1,
    }

    /// <summary>How a baked network computes its forward pass.</summary>
    public enum Inference
    {
        /// <summary>In the network's floating-point precision: the default.</summary>
        Float = 0,

        /// <summary>In 8-bit integers (docs/quantization.md): weights quantised per unit at compile time, activations with
        /// the ranges of the weights file's <c>"calibration"</c> section. For dense networks baked with
        /// <c>[Weights]</c>; a trainable network quantises at run time with <c>QuantizedNetwork.From</c>.</summary>
        Int8 = 1,
    }

    /// <summary>The shape of the generated kernels.</summary>
    public enum KernelStyle
    {
        /// <summary>SIMD kernels with constant bounds, specialised per layer: the fastest choice (the default).</summary>
        Vectorized = 0,

        /// <summary>Fully unrolled scalar code, for small networks on targets without SIMD and for reading.
        /// Networks too large for this get diagnostic NG0017.</summary>
        UnrolledScalar = 1,
    }

    /// <summary>How a convolution pads its input.</summary>
    public enum PaddingMode
    {
        /// <summary>The layer's <c>Padding</c> zeros on each side (none by default).</summary>
        Explicit = 0,

        /// <summary>As many zeros as keep the output at ceil(input / stride) positions: ONNX's SAME_UPPER, where an odd
        /// total puts the extra zero at the end (bottom, right).</summary>
        Same = 1,

        /// <summary>For <see cref="Conv1DAttribute"/> only: d (k - 1) zeros before the sequence and none after, so that
        /// output x sees inputs up to x only (Keras's <c>padding='causal'</c>).</summary>
        Causal = 2,
    }
}
