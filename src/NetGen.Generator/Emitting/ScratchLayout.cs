using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emitting
{
    /// <summary>Where each vector of a pass lives in the one <c>stackalloc</c> buffer: a_k and h_k of the forward pass,
    /// then dh_k and da_k of the backward pass. A layer without activation has no h_k (it is a_k), and no da_k (it is dh_k).</summary>
    internal sealed class ScratchLayout
    {
        private readonly Dictionary<string, (int Offset, int Length)> _slices = new();

        public ScratchLayout(NetworkSpec net)
        {
            int offset = 0;
            foreach (LayerSpec layer in net.Layers)
            {
                Add($"a{layer.Number}", layer.AffineOutputs, ref offset);
                if (!layer.IsIdentity)
                {
                    Add($"h{layer.Number}", layer.Units, ref offset);
                }
            }

            ForwardLength = offset;
            for (int i = net.Layers.Count - 1; i >= 0; i--)
            {
                LayerSpec layer = net.Layers[i];
                bool fusedOutput = i == net.Layers.Count - 1 && net.Loss != LossKind.MeanSquaredError;
                if (!fusedOutput)
                {
                    Add($"dh{layer.Number}", layer.Units, ref offset);
                }

                if (fusedOutput || !layer.IsIdentity)
                {
                    Add($"da{layer.Number}", layer.AffineOutputs, ref offset);
                }

                if (layer.SlopeCount > 0)
                {
                    // SgdStep takes a PReLU's slope gradient here before applying it.
                    Add($"ds{layer.Number}", layer.SlopeCount, ref offset);
                }

                if (layer.Kind == LayerKind.Convolution)
                {
                    // SgdStep computes a convolution's gradient here before applying it (dh takes the weights before the step).
                    Add($"dp{layer.Number}", layer.WeightCount + layer.BiasCount, ref offset); // a PReLU's slopes have their own (ds)
                }

                if (layer.Kind == LayerKind.LayerNorm && layer.Groups > 1)
                {
                    // SgdStep sums the groups' gradient of gamma and beta here before applying it.
                    Add($"dp{layer.Number}", 2 * layer.NormalizedSize, ref offset);
                }
            }

            BackwardLength = offset;
        }

        public int ForwardLength { get; }

        public int BackwardLength { get; }

        public bool Has(string name) => _slices.ContainsKey(name);

        /// <summary>Where a named vector starts, and its length.</summary>
        public (int Offset, int Length) Range(string name) => _slices[name];

        /// <summary><c>s.Slice(offset, length)</c> for a named vector.</summary>
        public string Slice(string name)
        {
            (int offset, int length) = _slices[name];
            return $"s.Slice({Invariant.Int(offset)}, {Invariant.Int(length)})";
        }

        private void Add(string name, int length, ref int offset)
        {
            _slices[name] = (offset, length);
            offset += length;
        }
    }
}
