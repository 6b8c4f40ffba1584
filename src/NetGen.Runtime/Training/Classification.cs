using System;
using System.Numerics;

namespace NetGen.Training
{
    /// <summary>The one rule that turns a network's output (or a target in the same encoding) into a class. Evaluation's
    /// accuracy and confusion matrix use it, and so does every generated <c>Classify</c>:
    /// <list type="bullet">
    /// <item>several values: the index of the largest (the first one wins a tie);</item>
    /// <item>one value: 1 when it reaches the threshold of the output activation, else 0. Tanh's targets are -1 and 1,
    /// so its threshold is 0; every other activation (sigmoid, identity, ReLU, leaky ReLU, ELU) is trained on 0 and 1
    /// targets, so its threshold is 0.5. An output that is a sigmoid's logit (<see cref="LayerInfo.Logits"/>) reaches
    /// probability 0.5 at 0, so its threshold is 0.</item>
    /// </list></summary>
    public static class Classification
    {
        /// <summary>The class of <paramref name="values"/>, an output <c>y</c> of a network whose last layer has
        /// <paramref name="outputActivation"/>, or a target <c>d</c> for such a network (targets are encoded as the
        /// outputs are: one-hot, 0/1, or -1/1 for tanh).</summary>
        /// <param name="values">The output or target; at least one value.</param>
        /// <param name="outputActivation">The activation of the network's last layer.</param>
        /// <returns>The index of the largest value for several values; 0 or 1 for one.</returns>
        public static int Class<T>(ReadOnlySpan<T> values, Activation outputActivation) where T : unmanaged, IFloatingPointIeee754<T> =>
            Class(values, outputActivation, logits: false);

        /// <summary>As <see cref="Class{T}(ReadOnlySpan{T}, Activation)"/>, for outputs that may be logits: with
        /// <paramref name="logits"/>, <paramref name="values"/> are the logits of <paramref name="outputActivation"/> (a
        /// single sigmoid logit is class 1 from 0 on; the largest logit is the largest probability).</summary>
        /// <param name="values">The output; at least one value.</param>
        /// <param name="outputActivation">The activation of the network's last layer.</param>
        /// <param name="logits">Whether the values are that activation's logits (<see cref="LayerInfo.Logits"/>).</param>
        /// <returns>The index of the largest value for several values; 0 or 1 for one.</returns>
        public static int Class<T>(ReadOnlySpan<T> values, Activation outputActivation, bool logits) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (values.IsEmpty)
            {
                throw new ArgumentException("There must be at least one value to classify.", nameof(values));
            }

            if (values.Length == 1)
            {
                return values[0] >= T.CreateChecked(logits ? 0 : Threshold(outputActivation)) ? 1 : 0;
            }

            int best = 0;
            for (int k = 1; k < values.Length; k++)
            {
                if (values[k] > values[best])
                {
                    best = k;
                }
            }

            return best;
        }

        /// <summary>The class of an output of <paramref name="network"/> (what its <c>Forward</c> writes), by its last
        /// layer: <c>Class(values, network.Layers[^1].Activation, network.Layers[^1].Logits)</c>. A target is classified
        /// without the logits flag: <c>Class(target, network.Layers[^1].Activation)</c>.</summary>
        public static int Class<T>(INeuralNetwork<T> network, ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            return Class(values, OutputActivation(network), OutputsLogits(network));
        }

        /// <summary>The threshold a single output must reach to be class 1: 0 for <see cref="Activation.Tanh"/> (its
        /// targets are -1 and 1), 0.5 for every other activation (0 and 1 targets).</summary>
        public static double Threshold(Activation outputActivation) => outputActivation == Activation.Tanh ? 0 : 0.5;

        /// <summary>The activation of the network's last layer.</summary>
        internal static Activation OutputActivation<T>(INeuralNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T> =>
            network.Layers[network.Layers.Count - 1].Activation;

        /// <summary>Whether the network's outputs are its last layer's logits.</summary>
        internal static bool OutputsLogits<T>(INeuralNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T> =>
            network.Layers[network.Layers.Count - 1].Logits;
    }
}
