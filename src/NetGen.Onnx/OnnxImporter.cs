using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetGen.Onnx
{
    /// <summary>Maps an ONNX graph to a chain of NetGen layers. The graph is walked once, in its (topological) node
    /// order, with every value classified as one of three things:
    /// <list type="bullet">
    /// <item>the data path (<see cref="Stream"/>): the one tensor that flows from the graph input, with its per-sample shape;</item>
    /// <item>a constant (<see cref="OnnxTensor"/>): initializers, Constant nodes and what folds from them;</item>
    /// <item>a shape vector (<see cref="ShapeVector"/>): what Shape, Gather, Unsqueeze and Concat compute from the data
    /// path's shape, in which the batch size is a symbol, so that <c>x.view(x.size(0), -1)</c> folds to a flatten.</item>
    /// </list>
    /// Each op is one entry of the table built in the constructor (<c>_ops</c>): adding an op is adding one method there. Layers are built as the graph
    /// goes: an affine op (Gemm, MatMul), a convolution or a layer normalisation opens a layer, Add, Mul and
    /// BatchNormalization fold into it, an activation closes it; a pool is a layer of its own (OnnxImporter.Spatial.cs). The chain PyTorch exports for nn.LayerNorm below opset 17 (ReduceMean, Sub, Pow,
    /// ReduceMean, Add, Sqrt, Div) is followed value by value through <see cref="Partial"/> values, and its Div opens the
    /// layer normalisation that the Mul and Add after it scale and shift.
    /// Anything else is refused with the node's index, name and op.</summary>
    public sealed partial class OnnxImporter
    {
        /// <summary>The opsets accepted: what PyTorch's exporter with onnx 1.12 writes.</summary>
        public const int MinOpset = 11, MaxOpset = 17;

        private const long Batch = long.MinValue; // the batch size in a shape vector

        private readonly OnnxModel _model;
        private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);
        private readonly List<ImportedLayer> _layers = new();
        private readonly Dictionary<string, Action<OnnxNode>> _ops;
        private string _streamName = string.Empty;
        private int[] _streamShape = Array.Empty<int>();
        private ImportedLayer? _open; // an affine layer whose activation is not yet known
        private double[]? _preScale, _preShift; // a per-feature affine map (a BatchNormalization after an activation) for the next layer's input
        private string _preSource = string.Empty;
        private long? _batchSize; // the input's declared batch size when it is fixed (a leading 1): a Reshape may write it literally

        private OnnxImporter(OnnxModel model)
        {
            _model = model;
            _ops = new Dictionary<string, Action<OnnxNode>>(StringComparer.Ordinal)
            {
                ["Gemm"] = Gemm,
                ["MatMul"] = MatMul,
                ["Add"] = Add,
                ["BatchNormalization"] = BatchNormalization,
                ["LayerNormalization"] = LayerNormalization,
                ["ReduceMean"] = ReduceMean,
                ["Sub"] = Sub,
                ["Pow"] = Pow,
                ["Sqrt"] = Sqrt,
                ["Div"] = Div,
                ["Mul"] = Mul,
                ["Relu"] = n => Activate(n, "ReLU", null),
                ["Sigmoid"] = n => Activate(n, "Sigmoid", null),
                ["Tanh"] = n => Activate(n, "Tanh", null),
                ["LeakyRelu"] = n => Activate(n, "LeakyReLU", FloatAttribute(n, "alpha", 0.01f)),
                ["Elu"] = n => Activate(n, "ELU", FloatAttribute(n, "alpha", 1.0f)),
                ["Softmax"] = n => Softmax(n, "Softmax"),
                ["LogSoftmax"] = n => Softmax(n, "LogSoftmax"),
                ["Identity"] = PassThrough,
                ["Dropout"] = Dropout,
                ["Flatten"] = Flatten,
                ["Reshape"] = Reshape,
                ["Squeeze"] = Squeeze,
                ["Unsqueeze"] = Unsqueeze,
                ["Constant"] = Constant,
                ["Shape"] = Shape,
                ["Gather"] = Gather,
                ["Concat"] = Concat,
                ["Conv"] = Conv,
                ["MaxPool"] = MaxPool,
                ["AveragePool"] = AveragePool,
                ["GlobalAveragePool"] = GlobalAveragePool,
                ["GlobalMaxPool"] = GlobalMaxPool,
                ["Pad"] = Pad,
                ["Transpose"] = Transpose,
                ["Max"] = Max,
            };
        }

        /// <summary>Maps <paramref name="model"/>'s graph to dense layers.</summary>
        /// <exception cref="OnnxImportException">Something in the graph has no NetGen equivalent; the message names it.</exception>
        public static ImportedNetwork Import(OnnxModel model)
        {
            if (model is null)
            {
                throw new ArgumentNullException(nameof(model));
            }

            return new OnnxImporter(model).Run();
        }

        private ImportedNetwork Run()
        {
            if (_model.Opset < MinOpset || _model.Opset > MaxOpset)
            {
                throw new OnnxImportException(_model.Opset == 0
                    ? "the model imports no ai.onnx opset"
                    : $"opset {_model.Opset} is outside the {MinOpset} to {MaxOpset} NetGen reads; export with torch.onnx.export(..., opset_version={Math.Max(MinOpset, Math.Min(MaxOpset, _model.Opset))})");
            }

            OnnxGraph graph = _model.Graph;
            foreach (KeyValuePair<string, OnnxTensor> initializer in graph.Initializers)
            {
                _values[initializer.Key] = initializer.Value;
            }

            OnnxValueInfo[] inputs = graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).ToArray();
            if (inputs.Length != 1)
            {
                throw new OnnxImportException($"the graph has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => "'" + i.Name + "'"))}); NetGen compiles graphs with exactly one");
            }

            if (graph.Outputs.Count != 1)
            {
                throw new OnnxImportException($"the graph has {graph.Outputs.Count} outputs ({string.Join(", ", graph.Outputs.Select(o => "'" + o.Name + "'"))}); NetGen compiles graphs with exactly one");
            }

            OnnxValueInfo input = inputs[0];
            bool isDouble = input.ElementType switch
            {
                OnnxTensor.Float => false,
                OnnxTensor.Double => true,
                _ => throw new OnnxImportException($"the input '{input.Name}' has element type {OnnxTensor.DataTypeName(input.ElementType)}; NetGen takes float or double"),
            };
            int[] inputShape = SampleShape(input, "input");
            Size(inputShape.Select(d => (long)d), null, $"the input '{input.Name}'");
            _batchSize = input.Shape[0].Value;
            _streamName = input.Name;
            _streamShape = inputShape;
            _values[input.Name] = Stream.Instance;

            foreach (OnnxNode node in graph.Nodes)
            {
                if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
                {
                    throw new OnnxImportException(node, $"the op is in domain '{node.Domain}'; NetGen maps standard ONNX ops only");
                }

                if (!_ops.TryGetValue(node.OpType, out Action<OnnxNode>? map))
                {
                    throw new OnnxImportException(node, $"NetGen has no mapping for {node.OpType} (it maps {string.Join(", ", _ops.Keys.OrderBy(k => k, StringComparer.Ordinal))})");
                }

                if (_pad is not null && node.OpType is not ("Conv" or "AveragePool" or "Pad") && node.Inputs.Contains(_streamName))
                {
                    throw new OnnxImportException(node, $"it reads the output of {_pad.Source}; NetGen folds zero padding only into a Conv or an AveragePool right after it");
                }

                if (_order is not null && !ReadsTransposed.Contains(node.OpType) && node.Inputs.Contains(_streamName))
                {
                    throw new OnnxImportException(node, $"it reads the output of {_orderSource}, whose layout it depends on; NetGen folds a Transpose only into a dense layer after it (Gemm, MatMul), elementwise ops, reshapes, a Transpose back, or the graph's output");
                }

                map(node);
            }

            if (_pad is not null)
            {
                throw new OnnxImportException($"the graph ends in {_pad.Source}; NetGen folds zero padding only into a Conv or an AveragePool right after it");
            }

            OnnxValueInfo output = graph.Outputs[0];
            if (output.Name != _streamName)
            {
                throw new OnnxImportException(_values.ContainsKey(output.Name) && _values[output.Name] is not Stream
                    ? $"the output '{output.Name}' is a constant, not computed from the input"
                    : $"the output '{output.Name}' is not the end of the chain of layers from the input (which ends at '{_streamName}')");
            }

            CloseLayer();
            if (_order is not null)
            {
                // The graph's output is in a transposed layout: a permutation layer puts the values in it.
                _layers.Add(Permutation());
            }

            if (_preScale is not null)
            {
                // A normalisation after the last activation: a diagonal layer of its own (per channel, on planes).
                _layers.Add(Identity(null, string.Empty, planes: true));
            }

            if (_layers.Count == 0)
            {
                // Only reshapes: one identity layer, so that the network computes what the graph does.
                int n = StreamSize(null);
                double[] weight = SquareWeights(n, null);
                for (int i = 0; i < n; i++)
                {
                    weight[(i * n) + i] = 1;
                }

                _layers.Add(new ImportedLayer(n, n, weight, null, "identity (the graph only reshapes)"));
            }

            for (int i = 0; i < _layers.Count - 1; i++)
            {
                if (_layers[i].Activation is "Softmax" or "LogSoftmax")
                {
                    throw new OnnxImportException($"a {_layers[i].Activation} ({_layers[i].Source}) is not at the output: NetGen applies it to the output layer only");
                }
            }

            return new ImportedNetwork(inputShape, _streamShape, _layers, isDouble, _model.Opset, _model.Producer);
        }

        /// <summary>The per-sample shape of a graph input or output: the first dimension is the batch (dynamic, or 1), the
        /// rest must be fixed.</summary>
        private static int[] SampleShape(OnnxValueInfo value, string what)
        {
            if (!value.HasShape || value.Shape.Count == 0)
            {
                throw new OnnxImportException($"the {what} '{value.Name}' has no declared shape; export with a fixed sample shape (dynamic_axes only on the batch)");
            }

            OnnxDimension first = value.Shape[0];
            if (first.Value is long size && size != 1 && first.Parameter is null)
            {
                throw new OnnxImportException($"the {what} '{value.Name}' has shape [{string.Join(", ", value.Shape)}]: the first dimension must be the batch, dynamic or 1, not {size}");
            }

            var shape = new int[value.Shape.Count - 1];
            for (int i = 1; i < value.Shape.Count; i++)
            {
                if (value.Shape[i].Value is not long d || d < 1 || d > int.MaxValue)
                {
                    throw new OnnxImportException($"the {what} '{value.Name}' has shape [{string.Join(", ", value.Shape)}]: dimension {i} is not a fixed size, and only the batch may be dynamic");
                }

                shape[i - 1] = (int)d;
            }

            return shape.Length == 0 ? new[] { 1 } : shape;
        }

        /// <summary>The most values a sample may have anywhere in the graph; an identity or diagonal layer over it must
        /// also fit <see cref="OnnxTensor.MaxElements"/> weights.</summary>
        private const long MaxFeatures = 1 << 24;

        /// <summary>The product of <paramref name="shape"/>, checked: a shape that multiplies past
        /// <see cref="MaxFeatures"/>, or has a dimension below 1, is refused, never wrapped.</summary>
        private static int Size(IEnumerable<long> shape, OnnxNode? node, string what)
        {
            long product = 1;
            foreach (long d in shape)
            {
                if (d < 1 || d > MaxFeatures || (product *= d) > MaxFeatures)
                {
                    string message = $"{what} has shape [{string.Join(", ", shape)}]; NetGen takes samples of 1 to {MaxFeatures} values with every dimension at least 1";
                    throw node is null ? new OnnxImportException(message) : new OnnxImportException(node, message);
                }
            }

            return (int)product;
        }

        private int StreamSize(OnnxNode? node) => Size(_streamShape.Select(d => (long)d), node, "the data path");

        /// <summary>An n x n identity (or diagonal) weight matrix, refused when it would pass the tensor limit.</summary>
        private static double[] SquareWeights(int n, OnnxNode? node)
        {
            if ((long)n * n > OnnxTensor.MaxElements)
            {
                string message = $"an identity layer over {n} values would need {(long)n * n} weights, more than {OnnxTensor.MaxElements}; NetGen applies activations and normalisations to at most {(int)Math.Sqrt(OnnxTensor.MaxElements)} values without a layer before them";
                throw node is null ? new OnnxImportException(message) : new OnnxImportException(node, message);
            }

            return new double[n * n];
        }

        // ----- values -----

        private sealed class Stream
        {
            public static readonly Stream Instance = new();
        }

        /// <summary>An int64 vector computed from the data path's shape; <see cref="Batch"/> stands for the batch size.</summary>
        private sealed class ShapeVector
        {
            public ShapeVector(long[] values, bool scalar = false) => (Values, IsScalar) = (values, scalar);

            public long[] Values { get; }

            public bool IsScalar { get; }
        }

        private object Value(OnnxNode node, int input)
        {
            if (input >= node.Inputs.Count || node.Inputs[input].Length == 0)
            {
                throw new OnnxImportException(node, $"input {input} is missing");
            }

            string name = node.Inputs[input];
            if (!_values.TryGetValue(name, out object? value))
            {
                throw new OnnxImportException(node, $"input '{name}' is produced by no earlier node, initializer or graph input");
            }

            if (value is Stream && name != _streamName)
            {
                throw new OnnxImportException(node, $"it reads '{name}', an earlier point of the data path than its end ('{_streamName}'): the graph branches, and NetGen compiles a chain of layers");
            }

            return value;
        }

        private bool IsStream(OnnxNode node, int input) => Value(node, input) is Stream;

        private OnnxTensor ConstantInput(OnnxNode node, int input, string role)
        {
            return Value(node, input) switch
            {
                OnnxTensor tensor => tensor,
                Stream or Retired or ScaledCopy => throw new OnnxImportException(node, $"its {role} (input {input}) comes from the data path; NetGen needs it constant"),
                _ => throw new OnnxImportException(node, $"its {role} (input {input}) is computed from the batch's shape; NetGen needs it constant"),
            };
        }

        private static double[] Reals(OnnxNode node, OnnxTensor tensor, string role) =>
            tensor.Reals ?? throw new OnnxImportException(node, $"its {role} '{tensor.Name}' has element type {OnnxTensor.DataTypeName(tensor.DataType)}, not a floating-point type");

        private static long[] Integers(OnnxNode node, OnnxTensor tensor, string role) =>
            tensor.Integers ?? throw new OnnxImportException(node, $"its {role} '{tensor.Name}' has element type {OnnxTensor.DataTypeName(tensor.DataType)}, not an integer type");

        /// <summary>The node's output 0 is the data path's new end, with <paramref name="shape"/>.</summary>
        private void Advance(OnnxNode node, int[] shape)
        {
            _values[_streamName] = Retired.Instance;
            _streamName = Output(node);
            _streamShape = shape;
            _values[_streamName] = Stream.Instance;
        }

        /// <summary>The node's first output's name.</summary>
        private static string Output(OnnxNode node) =>
            node.Outputs.Count > 0 && node.Outputs[0].Length > 0 ? node.Outputs[0] : throw new OnnxImportException(node, "it has no output");

        /// <summary>A data-path value that a later node has consumed; reading it again means the graph branches.</summary>
        private sealed class Retired
        {
            public static readonly Retired Instance = new();
        }

        private void RequireStream(OnnxNode node)
        {
            object value = Value(node, 0);
            if (value is Retired)
            {
                throw new OnnxImportException(node, $"it reads '{node.Inputs[0]}', an earlier point of the data path: the graph branches, and NetGen compiles a chain of layers");
            }

            if (value is not Stream)
            {
                throw new OnnxImportException(node, $"its input '{node.Inputs[0]}' is not computed from the graph's input");
            }
        }

        private void RequireFeatures(OnnxNode node)
        {
            if (_streamShape.Length != 1)
            {
                throw new OnnxImportException(node, $"its input has per-sample shape [{string.Join(", ", _streamShape)}]; a dense layer takes a vector, so flatten first (nn.Flatten)");
            }
        }

        private static long IntAttribute(OnnxNode node, string name, long standard) =>
            node.Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Int : standard;

        private static float FloatAttribute(OnnxNode node, string name, float standard) =>
            node.Attributes.TryGetValue(name, out OnnxAttribute? a) ? a.Float : standard;

        private static string Source(OnnxNode node) => $"{node.OpType} '{node.DisplayName}'";

        // ----- layers -----

        /// <summary>Starts a layer: closes the previous one (identity activation if none came), folds a pending per-feature
        /// map into the new weights.</summary>
        private void OpenLayer(OnnxNode node, int units, Func<int, int, double> weight)
        {
            RequireFeatures(node);
            CloseLayer();
            int fanIn = _streamShape[0];
            var w = new double[units * fanIn];
            for (int m = 0; m < units; m++)
            {
                for (int k = 0; k < fanIn; k++)
                {
                    // Input k of the graph's layout is value _order[k] of the layers' (after a Transpose, x.permute(...).flatten(1)).
                    w[(m * fanIn) + (_order?[k] ?? k)] = weight(m, k);
                }
            }

            double[]? bias = null;
            string source = _order is null ? Source(node) : _orderSource + " folded into " + Source(node);
            _order = null;
            if (_preScale is not null)
            {
                // W (s x + t) = (W diag s) x + W t
                bias = new double[units];
                for (int m = 0; m < units; m++)
                {
                    double shift = 0;
                    for (int k = 0; k < fanIn; k++)
                    {
                        shift += w[(m * fanIn) + k] * _preShift![k];
                        w[(m * fanIn) + k] *= _preScale[k];
                    }

                    bias[m] = shift;
                }

                source = _preSource + " folded into " + source;
                _preScale = _preShift = null;
            }

            _open = new ImportedLayer(fanIn, units, w, bias, source);
            Advance(node, new[] { units });
        }

        /// <summary>Opens an identity layer over the data path's values, with a pending per-feature map folded in.</summary>
        private void OpenIdentity(OnnxNode node, bool planes) => _open = Identity(node, "identity for " + Source(node), planes);

        /// <summary>An identity layer over the data path's values that carries the pending per-feature map, if any (then
        /// cleared; <paramref name="source"/> empty names the map alone). On planes a convolution or pool may read
        /// (<paramref name="planes"/>, a data path of [C, L] or [C, H, W] after the input, a convolution or a pool) with
        /// a map of one scale and shift per channel, it is a 1 x 1 depthwise convolution of C weights, which keeps them
        /// planes; elsewhere a diagonal dense layer over the values flattened (an elementwise op does not care about
        /// the shape), of n x n weights.</summary>
        private ImportedLayer Identity(OnnxNode? node, string source, bool planes)
        {
            if (_preScale is not null)
            {
                source = source.Length == 0 ? _preSource : _preSource + ", " + source;
            }

            if (planes && _order is null && _streamShape.Length is 2 or 3 && PlanesProblem() is null)
            {
                int channels = _streamShape[0];
                double[]? scale = _preScale is null ? Ones(channels) : PerChannel(_preScale);
                double[]? shift = _preShift is null ? new double[channels] : PerChannel(_preShift);
                if (scale is not null && shift is not null)
                {
                    _preScale = _preShift = null;
                    return ChannelMap(scale, shift, source);
                }
            }

            int n = StreamSize(node);
            double[] weight = SquareWeights(n, node);
            double[]? bias = null;
            for (int i = 0; i < n; i++)
            {
                weight[(i * n) + i] = _preScale?[i] ?? 1;
            }

            if (_preScale is not null)
            {
                bias = (double[])_preShift!.Clone();
                _preScale = _preShift = null;
            }

            return new ImportedLayer(n, n, weight, bias, source);
        }

        private void CloseLayer()
        {
            if (_open is not null)
            {
                _layers.Add(_open);
                _open = null;
            }
        }

        /// <summary>Gemm: Y = alpha A' B' + beta C, with A the data path (not transposed: transA would mix the batch), B a
        /// constant ([K, M], or [M, K] with transB, as nn.Linear exports), C a constant broadcast over the batch.</summary>
        private void Gemm(OnnxNode node)
        {
            RequireStream(node);
            if (IntAttribute(node, "transA", 0) != 0)
            {
                throw new OnnxImportException(node, "transA = 1 transposes the batch with the features; NetGen supports transA = 0");
            }

            bool transB = IntAttribute(node, "transB", 0) != 0;
            double alpha = FloatAttribute(node, "alpha", 1f), beta = FloatAttribute(node, "beta", 1f);
            RequireFeatures(node);
            OnnxTensor b = ConstantInput(node, 1, "B");
            double[] bValues = Reals(node, b, "B");
            int fanIn = _streamShape[0];
            if (b.Dims.Count != 2 || b.Dims[transB ? 1 : 0] != fanIn)
            {
                throw new OnnxImportException(node, $"B has shape {b.ShapeText}, which does not take {fanIn} inputs{(transB ? " (transB = 1)" : string.Empty)}");
            }

            int units = Size(new[] { b.Dims[transB ? 0 : 1] }, node, "B's output dimension");
            OpenLayer(node, units, (m, k) => alpha * (transB ? bValues[(m * fanIn) + k] : bValues[(k * units) + m]));
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
            {
                AddBias(node, ConstantInput(node, 2, "C"), beta);
            }
        }

        /// <summary>MatMul of the data path by a constant [K, M]: a layer without bias (an Add may follow).</summary>
        private void MatMul(OnnxNode node)
        {
            RequireStream(node);
            RequireFeatures(node);
            OnnxTensor b = ConstantInput(node, 1, "right operand");
            double[] bValues = Reals(node, b, "right operand");
            int fanIn = _streamShape[0];
            if (b.Dims.Count != 2 || b.Dims[0] != fanIn)
            {
                throw new OnnxImportException(node, $"the right operand has shape {b.ShapeText}, which does not take {fanIn} inputs");
            }

            int units = Size(new[] { b.Dims[1] }, node, "the right operand's output dimension");
            OpenLayer(node, units, (m, k) => bValues[(k * units) + m]);
        }

        /// <summary>Add of a constant to the data path: the bias of the layer just opened.</summary>
        private void Add(OnnxNode node)
        {
            if (PartialOperand(node) is { } partial)
            {
                // var + eps in a decomposed layer normalisation.
                node = Reordered(node, partial);
                Partial variance = Operand(node, 0, Stage.Variance, "operand");
                double[] epsilon = Reals(node, ConstantInput(node, 1, "epsilon"), "epsilon");
                Expect(node, epsilon.Length == 1 && epsilon[0] > 0 && epsilon[0] <= 1, "the epsilon of a layer normalisation must be one positive number of at most 1");
                Continue(node, Stage.VariancePlusEpsilon, variance.Source, variance.Normalized, epsilon[0]);
                return;
            }

            int streamInput = IsStreamOrRetired(node, 0) ? 0 : 1;
            if (!IsStreamOrRetired(node, streamInput))
            {
                throw new OnnxImportException(node, "neither operand comes from the data path; NetGen folds constant arithmetic only into layers");
            }

            ConstantArithmetic(Reordered(node, streamInput), Arithmetic.Add, "addend");
        }

        /// <summary>An elementwise operation of the data path with a constant.</summary>
        private enum Arithmetic
        {
            Add,          // x + c
            Subtract,     // x - c
            SubtractFrom, // c - x
            Multiply,     // x * c
            Divide,       // x / c
        }

        /// <summary>The data path (input 0) combined with a constant (input 1), an affine map of each value. Right after a
        /// layer is opened, it folds into that layer (its bias, or its rows and bias; a layer normalisation's beta and
        /// gamma). Elsewhere (after an activation, or on the input, as <c>(x - mean) / std</c> standardisation is
        /// written), it becomes a pending per-feature map that the next layer's weights take in, as a BatchNormalization
        /// after an activation does. The constant is one value per value of the data path's last dimensions (as ONNX
        /// broadcasts it), or one value for all.</summary>
        private void ConstantArithmetic(OnnxNode node, Arithmetic operation, string role)
        {
            RequireStream(node);
            bool fold = FollowsOpenLayer();
            int n = fold ? (_open!.IsLayerNorm ? _open.NormalizedSize : _open.Units) : StreamSize(node);
            double[] c = fold ? PerFeature(node, 1, role, n) : PerValue(node, 1, role, n);
            var scale = new double[n];
            var shift = new double[n];
            for (int i = 0; i < n; i++)
            {
                Expect(node, !double.IsNaN(c[i]) && !double.IsInfinity(c[i]), $"its {role} holds {c[i].ToString("R", CultureInfo.InvariantCulture)}, not a finite number");
                Expect(node, operation != Arithmetic.Divide || c[i] != 0, $"its divisor has a zero at {i}");
                (scale[i], shift[i]) = operation switch
                {
                    Arithmetic.Add => (1.0, c[i]),
                    Arithmetic.Subtract => (1.0, -c[i]),
                    Arithmetic.SubtractFrom => (-1.0, c[i]),
                    Arithmetic.Multiply => (c[i], 0.0),
                    _ => (1 / c[i], 0.0),
                };
            }

            if (fold)
            {
                Scale(_open!, scale);
                for (int i = 0; i < n; i++)
                {
                    _open!.Bias![i] += shift[i];
                }

                _open!.AddSource(Source(node));
            }
            else if (FollowsOpenConvolution() && PerChannel(scale) is { } channelScale && PerChannel(shift) is { } channelShift)
            {
                // A convolution's bias, exported as an Add of a [C, 1, 1] constant, or any other per-channel map after it.
                ScaleChannels(_open!, channelScale, channelShift);
                _open!.AddSource(Source(node));
            }
            else
            {
                Compose(node, scale, shift);
            }

            Advance(node, _streamShape);
        }

        /// <summary>A constant broadcast over the whole data path, as ONNX broadcasts it: its shape, aligned to the right
        /// of the sample's (the batch's axis, if it has one, must be 1), has in each dimension either the sample's size or
        /// 1 (repeated along that dimension). So <c>[C, 1, 1]</c> is per channel of a <c>[C, H, W]</c> sample, <c>[W]</c>
        /// per column, a scalar the same everywhere. Returns one value per value of the sample, in row-major order.</summary>
        private double[] PerValue(OnnxNode node, int input, string role, int n)
        {
            OnnxTensor t = ConstantInput(node, input, role);
            int rank = _streamShape.Length;
            Expect(node, t.Dims.Count <= rank + 1 && (t.Dims.Count <= rank || t.Dims[0] == 1), $"its {role} has shape {t.ShapeText}, which would add dimensions before the batch or change the batch");
            double[] values = Reals(node, t, role);
            // The constant's dimensions aligned to the sample's (missing leading ones are 1), and its row-major strides.
            var dims = new long[rank];
            for (int d = 0; d < rank; d++)
            {
                int k = t.Dims.Count - rank + d;
                dims[d] = k >= 0 ? t.Dims[k] : 1;
                Expect(node, dims[d] == 1 || dims[d] == _streamShape[d], $"its {role} has shape {t.ShapeText}, which does not broadcast over a sample of shape [{string.Join(", ", _streamShape)}] without changing it");
            }

            var strides = new long[rank];
            long stride = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                strides[d] = dims[d] == 1 ? 0 : stride;
                stride *= dims[d];
            }

            var result = new double[n];
            for (int i = 0; i < n; i++)
            {
                long source = 0;
                int rest = i;
                for (int d = rank - 1; d >= 0; d--)
                {
                    source += (rest % _streamShape[d]) * strides[d];
                    rest /= _streamShape[d];
                }

                result[i] = values[source];
            }

            return result;
        }

        /// <summary>Whether the data path is the output of the layer just opened, with nothing between: a vector for a
        /// dense layer, any shape for a layer normalisation (which normalises the whole sample).</summary>
        private bool FollowsOpenLayer() =>
            _open is { IsSpatial: false } && _preScale is null && _order is null && (_open.IsLayerNorm ? StreamSize(null) == _open.Units : _streamShape.Length == 1 && _streamShape[0] == _open.Units);

        private bool IsStreamOrRetired(OnnxNode node, int input) =>
            input < node.Inputs.Count && _values.TryGetValue(node.Inputs[input], out object? v) && (v is Stream || v is Retired);

        /// <summary>Which operand of a binary node is a value of a decomposed layer normalisation, or null.</summary>
        private int? PartialOperand(OnnxNode node)
        {
            for (int i = 0; i < Math.Min(2, node.Inputs.Count); i++)
            {
                if (_values.TryGetValue(node.Inputs[i], out object? v) && v is Partial)
                {
                    return i;
                }
            }

            return null;
        }

        /// <summary>The node with its data-path operand first (Add is commutative).</summary>
        private static OnnxNode Reordered(OnnxNode node, int streamInput) => streamInput == 0 ? node : node.WithInputs(new[] { node.Inputs[1], node.Inputs[0] });

        private void AddBias(OnnxNode node, OnnxTensor c, double beta)
        {
            ImportedLayer layer = _open!;
            double[] values = Reals(node, c, "bias");
            int units = layer.Units;
            bool perUnit = c.Count == units && (c.Dims.Count == 1 || (c.Dims.Count == 2 && c.Dims[0] == 1));
            bool scalar = c.Count == 1 && c.Dims.All(d => d == 1);
            if (!perUnit && !scalar)
            {
                throw new OnnxImportException(node, $"the bias has shape {c.ShapeText}; NetGen takes one value per unit ([{units}] or [1, {units}]) or a scalar, the same for every sample");
            }

            layer.Bias ??= new double[units];
            for (int m = 0; m < units; m++)
            {
                layer.Bias[m] += beta * values[perUnit ? m : 0];
            }

            layer.AddSource(Source(node));
        }

        /// <summary>BatchNormalization (inference): y = scale (x - mean) / sqrt(var + epsilon) + B, per feature. Folded into
        /// the layer just opened, or, after an activation, into the next layer's weights.</summary>
        private void BatchNormalization(OnnxNode node)
        {
            RequireStream(node);
            if (IntAttribute(node, "training_mode", 0) != 0 || node.Outputs.Count(o => o.Length > 0) > 1)
            {
                throw new OnnxImportException(node, "it is in training mode; export the model in eval() mode");
            }

            // Per channel: the first dimension of a sample ([C] after a dense layer, [C, H, W] in a CNN).
            int n = _streamShape[0];
            int features = StreamSize(node), perChannel = features / n;
            double epsilon = FloatAttribute(node, "epsilon", 1e-5f);
            double[] gamma = Vector(node, 1, "scale", n), beta = Vector(node, 2, "B", n), mean = Vector(node, 3, "mean", n), variance = Vector(node, 4, "var", n);
            var scale = new double[features];
            var shift = new double[features];
            for (int f = 0; f < features; f++)
            {
                int c = f / perChannel;
                scale[f] = gamma[c] / Math.Sqrt(variance[c] + epsilon);
                shift[f] = beta[c] - (mean[c] * scale[f]);
            }

            if (FollowsOpenConvolution())
            {
                // Per output channel of the convolution just opened (a BatchNorm2d an exporter did not fold into it).
                ScaleChannels(_open!, PerChannel(scale)!, PerChannel(shift)!);
                _open!.AddSource(Source(node) + " (folded)");
            }
            else if (_open is { IsSpatial: false } && _preScale is null && _order is null && _streamShape.Length == 1 && (!_open.IsLayerNorm || _open.NormalizedSize == features))
            {
                // s (W x + b) + t (a layer normalisation of one group: gamma and beta scaled and shifted per value)
                ImportedLayer layer = _open;
                Scale(layer, scale);
                for (int m = 0; m < n; m++)
                {
                    layer.Bias![m] += shift[m];
                }

                layer.AddSource(Source(node) + " (folded)");
            }
            else
            {
                Compose(node, scale, shift);
            }

            Advance(node, _streamShape);
        }

        /// <summary>Composes <c>x * scale + shift</c> (one value each per value of the data path) after the pending
        /// per-feature map, which the next layer's weights (or an identity layer) take in.</summary>
        private void Compose(OnnxNode node, double[] scale, double[] shift)
        {
            if (_order is not null)
            {
                // One value each per value of the transposed layout: to the layers' order, where the map applies.
                (scale, shift) = (Unpermuted(scale), Unpermuted(shift));
            }

            if (_preScale is null)
            {
                _preScale = scale;
                _preShift = shift;
                _preSource = Source(node);
                return;
            }

            for (int i = 0; i < scale.Length; i++)
            {
                _preScale[i] *= scale[i];
                _preShift![i] = (_preShift[i] * scale[i]) + shift[i];
            }

            _preSource += ", " + Source(node);
        }

        private double[] Vector(OnnxNode node, int input, string role, int n)
        {
            OnnxTensor t = ConstantInput(node, input, role);
            if (t.Count != n)
            {
                throw new OnnxImportException(node, $"its {role} has shape {t.ShapeText}, not [{n}]");
            }

            return Reals(node, t, role);
        }

        /// <summary>An activation: closes the layer just opened. A softmax takes groups of <paramref name="softmaxSize"/>
        /// values (all of them when it is the sample's size).</summary>
        private void Activate(OnnxNode node, string activation, float? alpha, int softmaxSize = 0)
        {
            RequireStream(node);
            bool softmax = activation is "Softmax" or "LogSoftmax";
            if (_open is null || _preScale is not null)
            {
                // An activation with no affine map just before it: it applies to an identity layer (exact: x * 1 + 0),
                // which carries a pending per-feature map if there is one. A softmax needs a dense one.
                CloseLayer();
                OpenIdentity(node, planes: !softmax);
            }

            Expect(node, !softmax || _order is null || softmaxSize == 0 || softmaxSize == StreamSize(node),
                $"it takes the {activation} of groups of {softmaxSize} values in the layout of {_orderSource}; NetGen's softmax groups are consecutive in the layers' own order");
            if (softmax && _open!.IsSpatial)
            {
                throw new OnnxImportException(node, $"it takes the {activation} of a convolution's output ({_open.Source}); NetGen applies {activation} to a dense layer's output only, so end the model in a dense layer (nn.Linear), as classifiers do");
            }

            _open!.Activation = activation;
            _open.Alpha = alpha;
            _open.SoftmaxSize = softmaxSize == _open.Units ? 0 : softmaxSize;
            _open.AddSource(Source(node));
            Advance(node, _streamShape);
            CloseLayer();
        }

        /// <summary>Softmax over the data path's last axis (from opset 13), or, below it, over the sample flattened from
        /// <c>axis</c> on (the 2-D coercion of opsets 11 and 12). On a sample of several dimensions that is one softmax per
        /// group of the last dimensions' values. Axis 0 mixes the samples of a batch; a middle axis from opset 13 (a
        /// strided softmax) is not supported.</summary>
        private void Softmax(OnnxNode node, string function)
        {
            RequireStream(node);
            long given = IntAttribute(node, "axis", _model.Opset >= 13 ? -1 : 1);
            int rank = _streamShape.Length + 1;
            long axis = given < 0 ? given + rank : given;
            Expect(node, axis >= 1 && axis < rank, axis == 0
                ? $"axis {given} on a tensor of shape [N, {string.Join(", ", _streamShape)}] takes the softmax across the batch; NetGen's softmax is within one sample"
                : $"axis {given} is outside a tensor of rank {rank}");
            Expect(node, _model.Opset < 13 || axis == rank - 1,
                $"axis {given} on a tensor of shape [N, {string.Join(", ", _streamShape)}] is not the last axis; NetGen takes the softmax over the last axis (or, below opset 13, over the values from the axis on)");
            int size = Size(_streamShape.Skip((int)axis - 1).Select(d => (long)d), node, "the softmax's shape");
            Activate(node, function, null, size);
        }

        /// <summary>Scales the outputs of a layer just opened, unit by unit: its weight rows (its gamma, for a layer
        /// normalisation) and its bias.</summary>
        private static void Scale(ImportedLayer layer, double[] scale)
        {
            int units = layer.IsLayerNorm ? layer.NormalizedSize : layer.Units;
            layer.Bias ??= new double[units];
            int perUnit = layer.IsLayerNorm ? 1 : layer.FanIn;
            for (int m = 0; m < units; m++)
            {
                for (int k = 0; k < perUnit; k++)
                {
                    layer.Weight[(m * perUnit) + k] *= scale[m];
                }

                layer.Bias[m] *= scale[m];
            }
        }

        // ----- layer normalisation -----

        /// <summary>LayerNormalization (opset 17): over the axes from <c>axis</c> to the last (not the batch), with a scale
        /// and an optional shift of one value per normalised value. It opens a layer, so that an activation after it
        /// closes it.</summary>
        private void LayerNormalization(OnnxNode node)
        {
            RequireStream(node);
            Expect(node, _model.Opset >= 17, $"LayerNormalization is an op of opset 17, and the model imports opset {_model.Opset}; PyTorch exports nn.LayerNorm below opset 17 as ReduceMean, Sub, Pow, Sqrt and Div, which NetGen maps too");
            long axis = IntAttribute(node, "axis", -1);
            int rank = _streamShape.Length + 1;
            int normalized = NormalizedSize(node, axis < 0 ? axis + rank : axis, $"axis {axis}");
            double epsilon = FloatAttribute(node, "epsilon", 1e-5f);
            Expect(node, epsilon > 0 && epsilon <= 1, $"epsilon {epsilon.ToString("R", CultureInfo.InvariantCulture)} is not in (0, 1]");
            Expect(node, node.Outputs.Skip(1).All(o => o.Length == 0 || !_model.Graph.Nodes.Any(n => n.Inputs.Contains(o)) && _model.Graph.Outputs.All(g => g.Name != o)),
                "its mean or inverse standard deviation output is used; NetGen computes them inside the layer only");
            OpenNormalisation(node, normalized, epsilon);
            ImportedLayer layer = _open!;
            Array.Copy(PerFeature(node, 1, "scale", normalized), layer.Weight, normalized);
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
            {
                Array.Copy(PerFeature(node, 2, "B", normalized), layer.Bias!, normalized);
            }

            Advance(node, _streamShape);
        }

        /// <summary>Closes the layer before and opens a layer normalisation over the data path, after an identity layer
        /// that carries a pending per-feature map if there is one (a normalisation does not commute with it).</summary>
        private void OpenNormalisation(OnnxNode node, int normalized, double epsilon)
        {
            CloseLayer();
            if (_order is not null)
            {
                // The graph's output is in a transposed layout: a permutation layer puts the values in it.
                _layers.Add(Permutation());
            }

            if (_preScale is not null)
            {
                OpenIdentity(node, planes: true);
                CloseLayer();
            }

            _open = ImportedLayer.LayerNorm(StreamSize(node), normalized, epsilon, Source(node));
        }

        /// <summary>A constant of one value per value of the data path's last dimensions that hold <paramref name="n"/>
        /// values (as ONNX broadcasts it: its shape, leading 1s aside, is those dimensions), or one value for all.</summary>
        private double[] PerFeature(OnnxNode node, int input, string role, int n)
        {
            OnnxTensor t = ConstantInput(node, input, role);
            Expect(node, t.Dims.Count <= _streamShape.Length + 1, $"its {role} has shape {t.ShapeText}, which would add dimensions before the batch");
            double[] values = Reals(node, t, role);
            long[] dims = t.Dims.SkipWhile(d => d == 1).ToArray();
            long[] trailing = _streamShape.Skip(Math.Max(0, _streamShape.Length - dims.Length)).Select(d => (long)d).ToArray();
            if (values.Length == n && dims.Length <= _streamShape.Length && dims.SequenceEqual(trailing))
            {
                return values;
            }

            Expect(node, values.Length == 1, $"its {role} has shape {t.ShapeText}; NetGen takes one value per value of the last dimensions of [{string.Join(", ", _streamShape)}] that hold {n}, or one value for all");
            var repeated = new double[n];
            for (int i = 0; i < n; i++)
            {
                repeated[i] = values[0];
            }

            return repeated;
        }

        /// <summary>How many values a normalisation from <paramref name="first"/> (an axis of [N, sample...]) to the last
        /// axis normalises together: the product of those dimensions. Axis 0 would mix the samples of a batch.</summary>
        private int NormalizedSize(OnnxNode node, long first, string what)
        {
            int rank = _streamShape.Length + 1;
            Expect(node, first != 0, $"{what} normalises across the batch (axis 0); NetGen normalises each sample on its own");
            Expect(node, first >= 1 && first < rank, $"{what} is outside a tensor of rank {rank}");
            return Size(_streamShape.Skip((int)first - 1).Select(d => (long)d), node, "the normalised shape");
        }

        /// <summary>The axes of a ReduceMean of a layer normalisation: the last axes, from some axis after the batch on.</summary>
        private int ReducedSize(OnnxNode node, long[] axes)
        {
            int rank = _streamShape.Length + 1;
            var reduced = new HashSet<long>(axes.Select(a => a < 0 ? a + rank : a));
            Expect(node, reduced.All(a => a >= 0 && a < rank), $"axes [{string.Join(", ", axes)}] are outside a tensor of rank {rank}");
            long first = reduced.Count == 0 ? 0 : reduced.Min();
            Expect(node, reduced.SetEquals(Enumerable.Range((int)Math.Max(first, 0), rank - (int)Math.Max(first, 0)).Select(a => (long)a)),
                $"axes [{string.Join(", ", axes)}] are not the last axes of a tensor of rank {rank}; NetGen maps ReduceMean only as the mean of a layer normalisation over a sample's trailing axes");
            return NormalizedSize(node, first, $"axes [{string.Join(", ", axes)}]");
        }

        /// <summary>Where a decomposed layer normalisation has got to, value by value.</summary>
        private enum Stage
        {
            Mean,                // ReduceMean(x)
            Centred,             // x - mean
            Squared,             // (x - mean)^2
            Variance,            // ReduceMean((x - mean)^2)
            VariancePlusEpsilon, // var + eps
            Deviation,           // sqrt(var + eps)
        }

        /// <summary>A value of the chain PyTorch exports for nn.LayerNorm below opset 17; the data path waits at the
        /// chain's input until the Div that ends it.</summary>
        private sealed class Partial
        {
            public Partial(Stage stage, string source, int normalized, double epsilon) => (Stage, Source, Normalized, Epsilon) = (stage, source, normalized, epsilon);

            public Stage Stage { get; }

            /// <summary>The data-path value the chain normalises (its first ReduceMean's input).</summary>
            public string Source { get; }

            /// <summary>How many values the chain normalises together (from its first ReduceMean's axes).</summary>
            public int Normalized { get; }

            public double Epsilon { get; }
        }

        private static void Expect(OnnxNode node, bool condition, string problem)
        {
            if (!condition)
            {
                throw new OnnxImportException(node, problem);
            }
        }

        private Partial Operand(OnnxNode node, int input, Stage stage, string role)
        {
            Expect(node, Value(node, input) is Partial p && p.Stage == stage, $"its {role} is not the {StageName(stage)} of a layer normalisation; NetGen maps ReduceMean, Sub, Pow, Sqrt and Div only as the chain PyTorch exports for nn.LayerNorm");
            return (Partial)Value(node, input);
        }

        private static string StageName(Stage stage) => stage switch
        {
            Stage.Mean => "mean",
            Stage.Centred => "centred input (x - mean)",
            Stage.Squared => "squared deviation",
            Stage.Variance => "variance",
            Stage.VariancePlusEpsilon => "variance plus epsilon",
            _ => "standard deviation",
        };

        private void Continue(OnnxNode node, Stage stage, string source, int normalized, double epsilon = 0) => _values[Output(node)] = new Partial(stage, source, normalized, epsilon);

        /// <summary>ReduceMean over every feature, keeping the dimensions: of the data path (the mean), or of the squared
        /// deviation (the variance).</summary>
        private void ReduceMean(OnnxNode node)
        {
            long[] axes = node.Attributes.TryGetValue("axes", out OnnxAttribute? a) ? a.Ints.ToArray() : Array.Empty<long>();
            Expect(node, IntAttribute(node, "keepdims", 1) != 0, "keepdims = 0; NetGen maps ReduceMean only inside a layer normalisation, which keeps them");
            Expect(node, axes.Length > 0, "it reduces every axis, the batch included; NetGen normalises each sample on its own");
            int normalized = ReducedSize(node, axes);
            if (Value(node, 0) is Partial)
            {
                Partial squared = Operand(node, 0, Stage.Squared, "input");
                Expect(node, squared.Normalized == normalized, "the variance is taken over other axes than the mean");
                Continue(node, Stage.Variance, squared.Source, normalized);
                return;
            }

            RequireStream(node);
            Continue(node, Stage.Mean, _streamName, normalized);
        }

        /// <summary>x - mean: the data path waits here (it is read again by nothing but this chain).</summary>
        private void Sub(OnnxNode node)
        {
            if (PartialOperand(node) is null && IsStreamOrRetired(node, 0) != IsStreamOrRetired(node, 1))
            {
                // x - c, or c - x
                bool streamFirst = IsStreamOrRetired(node, 0);
                ConstantArithmetic(Reordered(node, streamFirst ? 0 : 1), streamFirst ? Arithmetic.Subtract : Arithmetic.SubtractFrom, streamFirst ? "subtrahend" : "minuend");
                return;
            }

            RequireStream(node);
            Partial mean = Operand(node, 1, Stage.Mean, "subtrahend");
            Expect(node, node.Inputs[0] == mean.Source, $"it subtracts the mean of '{mean.Source}' from '{node.Inputs[0]}'; a layer normalisation subtracts a value's own mean");
            _values[_streamName] = Retired.Instance;
            Continue(node, Stage.Centred, mean.Source, mean.Normalized);
        }

        private void Pow(OnnxNode node)
        {
            Partial centred = Operand(node, 0, Stage.Centred, "base");
            double[] exponent = Reals(node, ConstantInput(node, 1, "exponent"), "exponent");
            Expect(node, exponent.Length == 1 && exponent[0] == 2, "its exponent is not 2; NetGen maps Pow only as the square of a layer normalisation's variance");
            Continue(node, Stage.Squared, centred.Source, centred.Normalized);
        }

        private void Sqrt(OnnxNode node)
        {
            Partial plus = Operand(node, 0, Stage.VariancePlusEpsilon, "input");
            Continue(node, Stage.Deviation, plus.Source, plus.Normalized, plus.Epsilon);
        }

        /// <summary>(x - mean) / sqrt(var + eps): the layer normalisation, opened with gamma 1 and beta 0.</summary>
        private void Div(OnnxNode node)
        {
            if (PartialOperand(node) is null && IsStreamOrRetired(node, 0))
            {
                ConstantArithmetic(node, Arithmetic.Divide, "divisor");
                return;
            }

            Partial centred = Operand(node, 0, Stage.Centred, "dividend");
            Partial deviation = Operand(node, 1, Stage.Deviation, "divisor");
            Expect(node, centred.Source == deviation.Source && centred.Source == _streamName && _values[_streamName] is Retired,
                "its dividend and divisor are not the centred input and the deviation of one layer normalisation of the data path's end");
            OpenNormalisation(node, deviation.Normalized, deviation.Epsilon);
            Advance(node, _streamShape);
        }

        /// <summary>Mul of the data path by a constant: right after a layer is opened, it scales that layer's outputs (a
        /// layer normalisation's gamma, as PyTorch exports nn.LayerNorm below opset 17); elsewhere, a per-feature map for
        /// the next layer (see <see cref="ConstantArithmetic"/>).</summary>
        private void Mul(OnnxNode node)
        {
            int streamInput = IsStreamOrRetired(node, 0) ? 0 : 1;
            Expect(node, IsStreamOrRetired(node, streamInput), "neither operand comes from the data path; NetGen folds constant arithmetic only into layers");
            if (LeakyFactor(node, streamInput) is double factor)
            {
                // a x, read only by Max(x, a x): a leaky ReLU, which the Max maps.
                _values[Output(node)] = new ScaledCopy(node.Inputs[streamInput], factor, Source(node));
                return;
            }

            ConstantArithmetic(Reordered(node, streamInput), Arithmetic.Multiply, "factor");
        }

        // ----- shapes -----

        private void PassThrough(OnnxNode node)
        {
            object value = Value(node, 0);
            if (value is Stream)
            {
                Advance(node, _streamShape);
            }
            else
            {
                _values[Output(node)] = value;
            }
        }

        /// <summary>Dropout at inference is the identity; in training mode (a true training_mode input) it is random, and
        /// refused.</summary>
        private void Dropout(OnnxNode node)
        {
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0 && Value(node, 2) is OnnxTensor { Integers: { } mode } && mode.Any(m => m != 0))
            {
                throw new OnnxImportException(node, "it is in training mode (training_mode = true), where it drops values at random; export the model in eval() mode");
            }

            PassThrough(node);
        }

        private void Flatten(OnnxNode node)
        {
            RequireStream(node);
            long axis = IntAttribute(node, "axis", 1);
            int rank = _streamShape.Length + 1;
            if (axis < 0)
            {
                axis += rank;
            }

            if (axis != 1)
            {
                throw new OnnxImportException(node, $"axis {IntAttribute(node, "axis", 1)} on a tensor of shape [N, {string.Join(", ", _streamShape)}]: NetGen flattens each sample (axis 1); another axis mixes the batch or keeps a matrix");
            }

            Advance(node, new[] { StreamSize(node) });
        }

        private void Reshape(OnnxNode node)
        {
            RequireStream(node);
            long[] target = Value(node, 1) switch
            {
                ShapeVector v => v.Values,
                OnnxTensor t => Integers(node, t, "shape"),
                _ => throw new OnnxImportException(node, "its shape comes from the data path"),
            };
            if (target.Length == 0 || !(target[0] == Batch || target[0] == 0 || target[0] == -1 || target[0] == _batchSize))
            {
                throw new OnnxImportException(node, $"target shape [{ShapeText(target)}] does not keep the batch as its first dimension (write it as x.view(x.size(0), ...) or nn.Flatten)");
            }

            if (node.Attributes.TryGetValue("allowzero", out OnnxAttribute? allowZero) && allowZero.Int != 0 && target.Skip(1).Contains(0))
            {
                throw new OnnxImportException(node, $"target shape [{ShapeText(target)}] has a 0 with allowzero = 1, a dimension of size 0");
            }

            int size = StreamSize(node);
            var shape = new List<int>();
            int infer = -1;
            for (int i = 1; i < target.Length; i++)
            {
                long d = target[i];
                if (d == 0)
                {
                    d = i - 1 < _streamShape.Length ? _streamShape[i - 1] : throw new OnnxImportException(node, $"target shape [{ShapeText(target)}] copies dimension {i}, which the input does not have");
                }

                if (d == -1)
                {
                    if (infer >= 0 || target[0] == -1)
                    {
                        throw new OnnxImportException(node, $"target shape [{ShapeText(target)}] leaves more than one dimension to infer");
                    }

                    infer = shape.Count;
                    shape.Add(1);
                    continue;
                }

                if (d < 1 || d > int.MaxValue || d == Batch)
                {
                    throw new OnnxImportException(node, $"target shape [{ShapeText(target)}] is not a reshape of one sample");
                }

                shape.Add((int)d);
            }

            int known = Size(shape.Select(d => (long)d), node, "the target shape");
            if (infer >= 0)
            {
                if (size % known != 0)
                {
                    throw new OnnxImportException(node, $"target shape [{ShapeText(target)}] does not divide a sample of {size} values");
                }

                shape[infer] = size / known;
            }
            else if (known != size)
            {
                throw new OnnxImportException(node, $"target shape [{ShapeText(target)}] holds {known} values per sample, but a sample has {size} ([{string.Join(", ", _streamShape)}])");
            }

            Advance(node, shape.Count == 0 ? new[] { 1 } : shape.ToArray());
        }

        private static string ShapeText(long[] shape) => string.Join(", ", shape.Select(d => d == Batch ? "N" : d.ToString(CultureInfo.InvariantCulture)));

        /// <summary>The axes of Squeeze and Unsqueeze: an attribute before opset 13, an input from it.</summary>
        private long[] Axes(OnnxNode node)
        {
            if (node.Attributes.TryGetValue("axes", out OnnxAttribute? attribute))
            {
                return attribute.Ints.ToArray();
            }

            return node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? Integers(node, ConstantInput(node, 1, "axes"), "axes") : Array.Empty<long>();
        }

        private void Squeeze(OnnxNode node)
        {
            object value = Value(node, 0);
            long[] axes = Axes(node);
            if (value is not Stream)
            {
                throw new OnnxImportException(node, "it squeezes a constant; NetGen folds only shapes of the data path");
            }

            int rank = _streamShape.Length + 1;
            var full = new List<int> { -1 };
            full.AddRange(_streamShape);
            var remove = new HashSet<long>(axes.Select(a => a < 0 ? a + rank : a));
            if (axes.Length == 0)
            {
                remove = new HashSet<long>(Enumerable.Range(1, _streamShape.Length).Where(i => _streamShape[i - 1] == 1).Select(i => (long)i));
            }

            if (remove.Contains(0))
            {
                throw new OnnxImportException(node, "it squeezes axis 0, the batch");
            }

            if (remove.Any(a => a < 0 || a >= rank))
            {
                throw new OnnxImportException(node, $"axes [{string.Join(", ", axes)}] are outside a tensor of rank {rank}");
            }

            var shape = new List<int>();
            for (int i = 1; i < rank; i++)
            {
                if (remove.Contains(i))
                {
                    if (full[i] != 1)
                    {
                        throw new OnnxImportException(node, $"axis {i} has size {full[i]}, not 1");
                    }

                    continue;
                }

                shape.Add(full[i]);
            }

            Advance(node, shape.Count == 0 ? new[] { 1 } : shape.ToArray());
        }

        private void Unsqueeze(OnnxNode node)
        {
            object value = Value(node, 0);
            long[] axes = Axes(node);
            if (value is ShapeVector vector)
            {
                // The scalar from Gather(Shape(x), 0) becomes the vector [N].
                if (!vector.IsScalar || axes.Length != 1 || axes[0] != 0 && axes[0] != -1)
                {
                    throw new OnnxImportException(node, "it unsqueezes a shape vector in a way NetGen does not fold");
                }

                _values[Output(node)] = new ShapeVector(vector.Values);
                return;
            }

            if (value is OnnxTensor tensor)
            {
                if (axes.Length == 1 && (axes[0] == 0 || axes[0] == -1) && tensor.Dims.Count == 0)
                {
                    _values[Output(node)] = new OnnxTensor(tensor.Name, new[] { 1L }, tensor.DataType, tensor.Reals, tensor.Integers);
                    return;
                }

                throw new OnnxImportException(node, "it unsqueezes a constant in a way NetGen does not fold");
            }

            RequireStream(node);
            int outRank = _streamShape.Length + 1 + axes.Length;
            var inserted = new HashSet<long>(axes.Select(a => a < 0 ? a + outRank : a));
            if (inserted.Contains(0))
            {
                throw new OnnxImportException(node, "it inserts an axis before the batch");
            }

            if (inserted.Count != axes.Length || inserted.Any(a => a < 1 || a >= outRank))
            {
                throw new OnnxImportException(node, $"axes [{string.Join(", ", axes)}] are repeated or outside a result of rank {outRank}");
            }

            var shape = new List<int>();
            int source = 0;
            for (int i = 1; i < outRank; i++)
            {
                shape.Add(inserted.Contains(i) ? 1 : _streamShape[source++]);
            }

            Advance(node, shape.ToArray());
        }

        private void Constant(OnnxNode node)
        {
            OnnxTensor? tensor = null;
            foreach (OnnxAttribute a in node.Attributes.Values)
            {
                tensor = a.Name switch
                {
                    "value" => a.Tensor,
                    "value_float" => new OnnxTensor(Output(node), Array.Empty<long>(), OnnxTensor.Float, new double[] { a.Float }, null),
                    "value_floats" => new OnnxTensor(Output(node), new long[] { a.Floats.Count }, OnnxTensor.Float, a.Floats.Select(f => (double)f).ToArray(), null),
                    "value_int" => new OnnxTensor(Output(node), Array.Empty<long>(), OnnxTensor.Int64, null, new[] { a.Int }),
                    "value_ints" => new OnnxTensor(Output(node), new long[] { a.Ints.Count }, OnnxTensor.Int64, null, a.Ints.ToArray()),
                    _ => throw new OnnxImportException(node, $"attribute '{a.Name}' (a sparse or string constant) is not one NetGen reads"),
                };
            }

            _values[Output(node)] = tensor ?? throw new OnnxImportException(node, "it has no value");
        }

        /// <summary>Shape of the data path: [N, d1, d2, ...] with the batch size as a symbol.</summary>
        private void Shape(OnnxNode node)
        {
            RequireStream(node);
            if (node.Attributes.ContainsKey("start") || node.Attributes.ContainsKey("end"))
            {
                throw new OnnxImportException(node, "its start and end attributes are not folded");
            }

            _values[Output(node)] = new ShapeVector(new[] { Batch }.Concat(_streamShape.Select(d => (long)d)).ToArray());
        }

        /// <summary>Gather of one entry of a shape vector (x.size(i)).</summary>
        private void Gather(OnnxNode node)
        {
            if (Value(node, 0) is not ShapeVector vector)
            {
                throw new OnnxImportException(node, "NetGen folds Gather only on a shape (x.size(i)); an embedding lookup or a gather on the data is not supported");
            }

            OnnxTensor index = ConstantInput(node, 1, "indices");
            long[] indices = Integers(node, index, "indices");
            if (IntAttribute(node, "axis", 0) != 0 || indices.Length != 1)
            {
                throw new OnnxImportException(node, "it gathers more than one entry of a shape");
            }

            long i = indices[0] < 0 ? indices[0] + vector.Values.Length : indices[0];
            if (i < 0 || i >= vector.Values.Length)
            {
                throw new OnnxImportException(node, $"index {indices[0]} is outside a shape of {vector.Values.Length} dimensions");
            }

            _values[Output(node)] = new ShapeVector(new[] { vector.Values[i] }, scalar: index.Dims.Count == 0);
        }

        /// <summary>Concat of shape vectors and int64 constants along axis 0 (building a Reshape's target).</summary>
        private void Concat(OnnxNode node)
        {
            var values = new List<long>();
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                switch (Value(node, i))
                {
                    case ShapeVector v:
                        values.AddRange(v.Values);
                        break;
                    case OnnxTensor { Integers: { } ints, Dims.Count: 1 }:
                        values.AddRange(ints);
                        break;
                    default:
                        throw new OnnxImportException(node, "NetGen folds Concat only of shape vectors (building a Reshape's target); a concatenation of data is not supported");
                }
            }

            _values[Output(node)] = new ShapeVector(values.ToArray());
        }
    }
}
