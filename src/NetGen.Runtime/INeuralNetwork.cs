using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen
{
    /// <summary>What every generated network offers, so that training code can be generic over networks.</summary>
    /// <typeparam name="T">The network's precision: <see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <remarks>Generated networks implement this interface explicitly where a member's name is also a constant
    /// (<c>InputSize</c>, <c>OutputSize</c>, <c>ParameterCount</c>).</remarks>
    public interface INeuralNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The length of an input vector <c>x = h_0</c>.</summary>
        int InputSize { get; }

        /// <summary>The length of an output vector <c>y = h_L</c>.</summary>
        int OutputSize { get; }

        /// <summary>The number of trainable parameters, the length of <see cref="Parameters"/> and <see cref="Gradients"/>.</summary>
        int ParameterCount { get; }

        /// <summary>The layers in order, with their sizes and where their parameters sit in <see cref="Parameters"/>.</summary>
        IReadOnlyList<LayerInfo> Layers { get; }

        /// <summary>The loss the network is trained on.</summary>
        LossFunction Loss { get; }

        /// <summary>All parameters in one contiguous block, layer by layer, weights then biases.</summary>
        Span<T> Parameters { get; }

        /// <summary>The accumulated gradient of the loss with respect to <see cref="Parameters"/>, in the same layout.</summary>
        Span<T> Gradients { get; }

        /// <summary>Runs the forward pass: <paramref name="output"/> receives <c>y = h_L</c>.</summary>
        void Forward(ReadOnlySpan<T> input, Span<T> output);

        /// <summary>Runs the forward pass, the loss and backpropagation for one sample; adds the sample's gradient to
        /// <see cref="Gradients"/> and returns the sample's loss.</summary>
        T Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> target);

        /// <summary>Runs the forward pass for a block of samples stored row-major (<c>inputs[s * InputSize + j]</c>); each
        /// sample's output goes to <c>outputs[s * OutputSize ..]</c>. The batched kernels share every weight load
        /// across samples; the outputs equal <see cref="Forward"/>'s to rounding.</summary>
        void ForwardBatch(ReadOnlySpan<T> inputs, Span<T> outputs);

        /// <summary>Runs forward, loss and backpropagation for a block of samples stored row-major, adds the sum of
        /// their gradients to <see cref="Gradients"/> and returns the sum of their losses: <see cref="Backward"/> for
        /// every sample, to rounding, with the batched kernels.</summary>
        T BackwardBatch(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets);

        /// <summary>As <see cref="BackwardBatch(ReadOnlySpan{T}, ReadOnlySpan{T})"/>, adding the gradient sum to
        /// <paramref name="gradients"/> instead. It only reads the network, so threads may call it at once with their
        /// own gradient buffers (this is what <c>DataParallel</c> does).</summary>
        T BackwardBatch(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> gradients);

        /// <summary>One step of plain stochastic gradient descent on one sample, fused: the forward pass, the loss, then
        /// backpropagation that updates each layer as it goes, <c>W_k -= eta da_k h_(k-1)^T</c> and <c>b_k -= eta da_k</c>
        /// (with <c>dh_(k-1) = W_k^T da_k</c> taken from the weights before their update). Each weight is updated in place
        /// in the pass that reads it, and <see cref="Gradients"/> is neither used nor changed. The parameters end equal
        /// (as compared with ==; a zero's sign may differ) to what <see cref="ZeroGradients"/>, <see cref="Backward"/> and
        /// <c>new Sgd&lt;T&gt;().Step(Parameters, Gradients, 1, learningRate)</c> leave. Allocates nothing.</summary>
        /// <returns>The sample's loss, before the update.</returns>
        /// <exception cref="ArgumentException">A span has the wrong length; nothing is written.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative or not finite; nothing is written.</exception>
        /// <exception cref="ArithmeticException">The loss is NaN or infinite; checked before any update, so the
        /// parameters are as they were.</exception>
        T SgdStep(ReadOnlySpan<T> input, ReadOnlySpan<T> target, T learningRate);

        /// <summary>Runs the forward pass and returns the sample's loss, without touching <see cref="Gradients"/>.</summary>
        T ComputeLoss(ReadOnlySpan<T> input, ReadOnlySpan<T> target);

        /// <summary>Sets every gradient to zero.</summary>
        void ZeroGradients();

        /// <summary>Initialises the parameters deterministically from <paramref name="seed"/>: Glorot or He uniform weights, zero biases.</summary>
        void InitializeParameters(int seed);
    }
}
