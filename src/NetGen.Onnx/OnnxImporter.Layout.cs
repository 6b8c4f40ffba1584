using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetGen.Onnx
{
    /// <summary>Transpose, folded as a change of layout, and Max, as the leaky ReLU some exporters write.
    /// <para>NetGen's layers compute each sample as one row-major array (channels first for planes). A Transpose within a
    /// sample moves no arithmetic, only which value sits where, so it is carried as a pending order
    /// (<see cref="_order"/>: value i of the graph's layout is value <c>_order[i]</c> of the layers') until something can
    /// take it in: a dense layer's columns (<c>x.permute(0, 2, 3, 1).flatten(1)</c> before <c>nn.Linear</c>, as channels-last
    /// models flatten), a Transpose back (the order becomes the identity), or, at the graph's output, a permutation layer.
    /// Elementwise ops commute with it (their constants are reordered); a convolution, pool or layer normalisation, whose
    /// result depends on the layout, is refused while an order is pending.</para></summary>
    public sealed partial class OnnxImporter
    {
        /// <summary>The ops that may read a data path in a transposed layout (see the class remarks).</summary>
        private static readonly HashSet<string> ReadsTransposed = new(StringComparer.Ordinal)
        {
            "Transpose", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Shape", "Gemm", "MatMul",
            "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Softmax", "LogSoftmax", "Add", "Sub", "Mul", "Div", "Max",
            "BatchNormalization",
        };

        private int[]? _order; // value i of the data path in the graph's layout is value _order[i] of what the layers compute; null when they agree
        private string _orderSource = string.Empty;

        /// <summary>Transpose of the data path's axes; <c>perm</c> defaults to reversing all of them, which moves the batch
        /// and is refused, as is any perm whose first entry is not 0.</summary>
        private void Transpose(OnnxNode node)
        {
            RequireStream(node);
            int rank = _streamShape.Length + 1;
            long[] perm = node.Attributes.TryGetValue("perm", out OnnxAttribute? attribute)
                ? attribute.Ints.ToArray()
                : Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
            string text = string.Join(", ", perm.Select(p => p.ToString(CultureInfo.InvariantCulture)));
            Expect(node, perm.Length == rank && perm.OrderBy(p => p).Select((p, i) => p == i).All(same => same),
                $"perm [{text}] is not an order of the {rank} axes of its input [N, {string.Join(", ", _streamShape)}]");
            Expect(node, perm[0] == 0, $"perm [{text}] moves the batch (axis 0){(attribute is null ? " (no perm reverses every axis)" : string.Empty)}; NetGen transposes within a sample");

            // Output axis d of a sample is input axis axes[d].
            int[] axes = perm.Skip(1).Select(p => (int)p - 1).ToArray();
            int[] shape = axes.Select(a => _streamShape[a]).ToArray();
            var strides = new int[_streamShape.Length];
            for (int d = strides.Length - 1, stride = 1; d >= 0; stride *= _streamShape[d], d--)
            {
                strides[d] = stride;
            }

            int n = StreamSize(node);
            var order = new int[n];
            var index = new int[shape.Length];
            bool identity = true;
            for (int j = 0; j < n; j++)
            {
                int i = 0;
                for (int d = 0; d < shape.Length; d++)
                {
                    i += index[d] * strides[axes[d]];
                }

                order[j] = _order?[i] ?? i;
                identity &= order[j] == j;
                for (int d = shape.Length - 1; d >= 0 && ++index[d] == shape[d]; d--)
                {
                    index[d] = 0;
                }
            }

            _orderSource = identity ? string.Empty : _order is null ? Source(node) : _orderSource + ", " + Source(node);
            _order = identity ? null : order;
            Advance(node, shape);
        }

        /// <summary>Per-value constants in the graph's (transposed) layout, put in the layers' order.</summary>
        private double[] Unpermuted(double[] values)
        {
            var result = new double[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                result[_order![i]] = values[i];
            }

            return result;
        }

        /// <summary>A layer that puts the layers' output in the graph's transposed layout (output i is value
        /// <c>_order[i]</c>), with a pending per-feature map taken in; the order is then the identity.</summary>
        private ImportedLayer Permutation()
        {
            int[] order = _order!;
            int n = order.Length;
            double[] weight = SquareWeights(n, null);
            double[]? bias = _preShift is null ? null : new double[n];
            for (int i = 0; i < n; i++)
            {
                weight[(i * n) + order[i]] = _preScale?[order[i]] ?? 1;
                if (bias is not null)
                {
                    bias[i] = _preShift![order[i]];
                }
            }

            string source = (_preScale is null ? string.Empty : _preSource + ", ") + "the layout of " + _orderSource + " (a permutation)";
            _preScale = _preShift = null;
            _order = null;
            return new ImportedLayer(n, n, weight, bias, source);
        }

        /// <summary><c>a x</c> (a constant scalar a), computed only for a Max with x: see <see cref="Max"/>.</summary>
        private sealed class ScaledCopy
        {
            public ScaledCopy(string of, double factor, string source) => (Of, Factor, Source) = (of, factor, source);

            public string Of { get; }

            public double Factor { get; }

            public string Source { get; }
        }

        /// <summary>The factor a when the Mul computes <c>a x</c> of the data path x by a constant scalar, and its result is
        /// read by one node only, a Max of it with x; else null (the Mul is then constant arithmetic).</summary>
        private double? LeakyFactor(OnnxNode node, int streamInput)
        {
            if (node.Inputs.Count != 2 || Value(node, streamInput) is not Stream || Value(node, 1 - streamInput) is not OnnxTensor { Count: 1, Reals: { } factor })
            {
                return null;
            }

            string output = Output(node), x = node.Inputs[streamInput];
            OnnxNode[] readers = _model.Graph.Nodes.Where(n => n.Inputs.Contains(output)).ToArray();
            bool max = readers.Length == 1 && readers[0].OpType == "Max" && readers[0].Inputs.Count == 2 && readers[0].Inputs.Contains(x)
                && !_model.Graph.Outputs.Any(o => o.Name == output);
            return max ? factor[0] : null;
        }

        /// <summary>Max of the data path x with <c>a x</c>: for 0 &lt; a &lt; 1 a leaky ReLU of slope a (a = 0 a ReLU), for
        /// a = 1 x itself, for a &gt; 1 <c>a LeakyReLU(x, 1/a)</c> (the factor a a per-feature map for the next layer).
        /// Max of x with a constant 0 is a ReLU, Max of x alone x. Anything else, a Max of two computed tensors included, is refused.</summary>
        private void Max(OnnxNode node)
        {
            if (node.Inputs.Count == 1)
            {
                PassThrough(node); // the maximum of one tensor is itself
                return;
            }

            Expect(node, node.Inputs.Count == 2 && node.Inputs.All(i => i.Length > 0),
                $"it takes {node.Inputs.Count} inputs; NetGen maps Max(x, a x), a leaky ReLU, and Max(x, 0), a ReLU");
            int streamInput = IsStreamOrRetired(node, 0) ? 0 : 1;
            Expect(node, IsStreamOrRetired(node, streamInput), "neither operand comes from the data path");
            node = Reordered(node, streamInput);
            RequireStream(node);
            switch (Value(node, 1))
            {
                case ScaledCopy copy when copy.Of == node.Inputs[0]:
                    double a = copy.Factor;
                    Expect(node, a >= 0 && !double.IsInfinity(a),
                        $"it is Max(x, {a.ToString("R", CultureInfo.InvariantCulture)} x) ({copy.Source}), which is not a leaky ReLU: NetGen maps Max(x, a x) for a finite a of at least 0");
                    if (a == 1)
                    {
                        Advance(node, _streamShape);
                    }
                    else if (a < 1)
                    {
                        Activate(node, a == 0 ? "ReLU" : "LeakyReLU", a == 0 ? null : (float)a);
                    }
                    else
                    {
                        // max(x, a x) = a max(x / a, x) for a > 0.
                        int n = StreamSize(node);
                        Activate(node, "LeakyReLU", (float)(1 / a));
                        Compose(node, Enumerable.Repeat(a, n).ToArray(), new double[n]);
                    }

                    return;
                case OnnxTensor { Count: 1, Reals: { } zero } when zero[0] == 0:
                    Activate(node, "ReLU", null);
                    return;
                default:
                    throw new OnnxImportException(node, "it is not Max(x, a x) of the data path x and a constant a (a leaky ReLU), nor Max(x, 0) (a ReLU); NetGen maps only those");
            }
        }
    }
}
