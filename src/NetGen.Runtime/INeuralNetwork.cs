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

        /// <summary>Runs the forward pass and returns the sample's loss, without touching <see cref="Gradients"/>.</summary>
        T ComputeLoss(ReadOnlySpan<T> input, ReadOnlySpan<T> target);

        /// <summary>Sets every gradient to zero.</summary>
        void ZeroGradients();

        /// <summary>Initialises the parameters deterministically from <paramref name="seed"/>: Glorot or He uniform weights, zero biases.</summary>
        void InitializeParameters(int seed);
    }
}
