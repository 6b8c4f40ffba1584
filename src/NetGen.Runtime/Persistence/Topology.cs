using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NetGen.Persistence
{
    /// <summary>A network's topology as one line of text, e.g.
    /// <c>float32; input 2; dense 2 -> 4 Tanh; dense 4 -> 1 Sigmoid; loss BinaryCrossEntropy</c>: what a saved file
    /// must match, and what an error names when it does not.</summary>
    public static class Topology
    {
        /// <summary>Describes <paramref name="network"/>.</summary>
        public static string Describe<T>(INeuralNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T> =>
            string.Join("; ", new[] { $"float{Unsafe.SizeOf<T>() * 8}", string.Create(CultureInfo.InvariantCulture, $"input {network.InputSize}") }
                .Concat(network.Layers.Select(l => l.ToString()))
                .Append($"loss {network.Loss}"));
    }
}
