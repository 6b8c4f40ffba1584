using System.Collections.Generic;

namespace NetGen.Onnx
{
    /// <summary>One layer of an imported graph: dense, <c>h = g(W x + b)</c> with W as nn.Linear stores it, or a layer
    /// normalisation, <c>h = g(gamma (x - mu) / sqrt(var + eps) + beta)</c> with gamma in <see cref="Weight"/> and beta in
    /// <see cref="Bias"/>, as nn.LayerNorm stores them.</summary>
    public sealed class ImportedLayer
    {
        /// <summary>A layer normalisation over <paramref name="size"/> values in groups of <paramref name="normalized"/>,
        /// gamma 1 and beta 0 until the graph scales and shifts it.</summary>
        internal static ImportedLayer LayerNorm(int size, int normalized, double epsilon, string source)
        {
            var gamma = new double[normalized];
            for (int i = 0; i < normalized; i++)
            {
                gamma[i] = 1;
            }

            return new ImportedLayer(size, size, gamma, new double[normalized], source) { IsLayerNorm = true, Epsilon = epsilon, NormalizedSize = normalized };
        }

        internal ImportedLayer(int fanIn, int units, double[] weight, double[]? bias, string source)
        {
            FanIn = fanIn;
            Units = units;
            Weight = weight;
            Bias = bias;
            _sources.Add(source);
        }

        private readonly List<string> _sources = new();

        /// <summary>The input length.</summary>
        public int FanIn { get; }

        /// <summary>The output length.</summary>
        public int Units { get; }

        /// <summary>Whether this is a layer normalisation (<c>"type": "layernorm"</c>) rather than a dense layer.</summary>
        public bool IsLayerNorm { get; private set; }

        /// <summary>A layer normalisation's epsilon; 0 for a dense layer.</summary>
        public double Epsilon { get; private set; }

        /// <summary>How many consecutive values a layer normalisation normalises together (the normalised trailing shape's
        /// size; the length of gamma and beta); 0 for a dense layer.</summary>
        public int NormalizedSize { get; private set; }

        /// <summary>W, [units, fanIn] row-major (nn.Linear's layout); a layer normalisation's gamma, one per normalised value.</summary>
        public double[] Weight { get; }

        /// <summary>b, one per unit (a layer normalisation's beta, one per normalised value); null when the graph adds none.</summary>
        public double[]? Bias { get; internal set; }

        /// <summary>NetGen's name of the activation: Identity, Sigmoid, Tanh, ReLU, LeakyReLU, ELU or Softmax; or
        /// LogSoftmax on the output layer of a graph that ends in it (written to the weights JSON as an Identity layer and
        /// the "onnx" section's <c>"output": "LogSoftmax"</c>).</summary>
        public string Activation { get; internal set; } = "Identity";

        /// <summary>For a softmax over groups (an ONNX Softmax on the last axis of a sample of several dimensions), the
        /// length of each group; 0 for one softmax over all the units.</summary>
        public int SoftmaxSize { get; internal set; }

        /// <summary>The leaky ReLU slope or the ELU alpha; null for other activations.</summary>
        public double? Alpha { get; internal set; }

        /// <summary>The graph nodes this layer came from, for messages and the import report.</summary>
        public string Source => string.Join(", ", _sources);

        /// <summary>Records one more node the layer came from (once: a Gemm's bias is the Gemm itself). A list, joined only
        /// when read, so that a chain of a million Adds costs linear time.</summary>
        internal void AddSource(string source)
        {
            if (_sources[_sources.Count - 1] != source)
            {
                _sources.Add(source);
            }
        }
    }

    /// <summary>What <see cref="OnnxImporter"/> made of a graph: the shapes at its boundary and a chain of dense layers.</summary>
    public sealed class ImportedNetwork
    {
        internal ImportedNetwork(IReadOnlyList<int> inputShape, IReadOnlyList<int> outputShape, IReadOnlyList<ImportedLayer> layers, bool isDouble, int opset, string producer)
        {
            InputShape = inputShape;
            OutputShape = outputShape;
            Layers = layers;
            IsDouble = isDouble;
            Opset = opset;
            Producer = producer;
        }

        /// <summary>The input tensor's shape without the batch dimension; the input span is it flattened, row-major.</summary>
        public IReadOnlyList<int> InputShape { get; }

        /// <summary>The output tensor's shape without the batch dimension.</summary>
        public IReadOnlyList<int> OutputShape { get; }

        /// <summary>The layers, first to last.</summary>
        public IReadOnlyList<ImportedLayer> Layers { get; }

        /// <summary>Whether the graph computes in double (else float).</summary>
        public bool IsDouble { get; }

        /// <summary>The model's ai.onnx opset.</summary>
        public int Opset { get; }

        /// <summary>The producer, as the file names it.</summary>
        public string Producer { get; }

        /// <summary>The flattened input length.</summary>
        public int InputSize => Layers.Count > 0 ? Layers[0].FanIn : 0;
    }
}
