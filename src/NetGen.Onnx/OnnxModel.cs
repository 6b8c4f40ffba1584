using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace NetGen.Onnx
{
    /// <summary>An ONNX model as far as NetGen reads it: the opset, the producer and the main graph. Fields NetGen does not
    /// use (documentation, metadata, training information, functions) are skipped.</summary>
    public sealed class OnnxModel
    {
        /// <summary>The most bytes a model may have: 2 GiB is protobuf's own limit.</summary>
        public const long MaxBytes = int.MaxValue;

        private OnnxModel(long irVersion, int opset, string producer, OnnxGraph graph)
        {
            IrVersion = irVersion;
            Opset = opset;
            Producer = producer;
            Graph = graph;
        }

        /// <summary>The IR version the file declares.</summary>
        public long IrVersion { get; }

        /// <summary>The version of the default (ai.onnx) operator set; 0 when the file imports none.</summary>
        public int Opset { get; }

        /// <summary>The producer's name and version, as the file gives them ("pytorch 1.13.1").</summary>
        public string Producer { get; }

        /// <summary>The main graph.</summary>
        public OnnxGraph Graph { get; }

        /// <summary>Reads a model file.</summary>
        /// <exception cref="OnnxFormatException">The file is not a well-formed ONNX model.</exception>
        public static OnnxModel Load(string path)
        {
            var info = new FileInfo(path);
            if (info.Length > MaxBytes)
            {
                throw new OnnxFormatException($"the file has {info.Length} bytes, more than protobuf's limit of 2 GiB");
            }

            return Parse(File.ReadAllBytes(path));
        }

        /// <summary>Reads a model from its bytes.</summary>
        /// <exception cref="OnnxFormatException">The bytes are not a well-formed ONNX model.</exception>
        public static OnnxModel Parse(byte[] bytes)
        {
            if (bytes is null)
            {
                throw new ArgumentNullException(nameof(bytes));
            }

            if (bytes.Length == 0)
            {
                throw new OnnxFormatException("the file is empty");
            }

            var reader = new ProtoReader(bytes);
            long irVersion = 0;
            int opset = 0;
            string producer = string.Empty, producerVersion = string.Empty;
            OnnxGraph? graph = null;
            while (!reader.AtEnd)
            {
                (int field, int wireType) = reader.ReadTag();
                switch (field)
                {
                    case 1:
                        reader.Expect(wireType, ProtoReader.Varint);
                        irVersion = reader.ReadInt64();
                        break;
                    case 2:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        producer = reader.ReadString();
                        break;
                    case 3:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        producerVersion = reader.ReadString();
                        break;
                    case 7:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        graph = OnnxGraph.Read(reader.ReadMessage());
                        break;
                    case 8:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        (string domain, long version) = ReadOpset(reader.ReadMessage());
                        if (domain.Length == 0 || domain == "ai.onnx")
                        {
                            opset = (int)Math.Min(int.MaxValue, Math.Max(0, version));
                        }

                        break;
                    default:
                        reader.Skip(wireType);
                        break;
                }
            }

            if (graph is null)
            {
                throw new OnnxFormatException("the model has no graph (is this an ONNX file?)");
            }

            if (irVersion <= 0)
            {
                throw new OnnxFormatException("the model declares no IR version (is this an ONNX file?)");
            }

            return new OnnxModel(irVersion, opset, (producer + " " + producerVersion).Trim(), graph);
        }

        /// <summary>ONNX's conformance cases take their weights as graph inputs: this model with every input but the first
        /// made a constant with the case's values, and only the first output kept.</summary>
        internal OnnxModel AsConformanceCase(IReadOnlyList<OnnxTensor> inputValues)
        {
            var initializers = Graph.Initializers.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            for (int i = 1; i < Graph.Inputs.Count && i < inputValues.Count; i++)
            {
                OnnxTensor value = inputValues[i];
                initializers[Graph.Inputs[i].Name] = new OnnxTensor(Graph.Inputs[i].Name, value.Dims.ToArray(), value.DataType, value.Reals, value.Integers);
            }

            // The cases fix their batch size (an input of [3, 4, 5]): its first dimension is taken as the batch.
            var graph = new OnnxGraph(Graph.Nodes, initializers, Graph.Inputs.Take(1).Select(i => i.WithDynamicBatch()).ToArray(), Graph.Outputs.Take(1).ToArray());

            // A case is written at its op's own version (Elu: 6). Below 11, read it as opset 11; the harness only does
            // this for ops whose definition did not change between their version and 11 (of the mapped ops, only Elu is
            // below 11, at version 6, its latest).
            return new OnnxModel(IrVersion, Math.Max(Opset, OnnxImporter.MinOpset), Producer, graph);
        }

        private static (string Domain, long Version) ReadOpset(ProtoReader reader)
        {
            string domain = string.Empty;
            long version = 0;
            while (!reader.AtEnd)
            {
                (int field, int wireType) = reader.ReadTag();
                if (field == 1 && wireType == ProtoReader.LengthDelimited)
                {
                    domain = reader.ReadString();
                }
                else if (field == 2 && wireType == ProtoReader.Varint)
                {
                    version = reader.ReadInt64();
                }
                else
                {
                    reader.Skip(wireType);
                }
            }

            return (domain, version);
        }
    }

    /// <summary>A graph: its nodes in the file's (topological) order, its constant tensors, its inputs and outputs.</summary>
    public sealed class OnnxGraph
    {
        internal OnnxGraph(IReadOnlyList<OnnxNode> nodes, IReadOnlyDictionary<string, OnnxTensor> initializers, IReadOnlyList<OnnxValueInfo> inputs, IReadOnlyList<OnnxValueInfo> outputs)
        {
            Nodes = nodes;
            Initializers = initializers;
            Inputs = inputs;
            Outputs = outputs;
        }

        /// <summary>The nodes, in the file's order, which ONNX requires to be topological.</summary>
        public IReadOnlyList<OnnxNode> Nodes { get; }

        /// <summary>The constant tensors (weights), by name.</summary>
        public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }

        /// <summary>The graph's inputs. Older exporters list the initializers here too.</summary>
        public IReadOnlyList<OnnxValueInfo> Inputs { get; }

        /// <summary>The graph's outputs.</summary>
        public IReadOnlyList<OnnxValueInfo> Outputs { get; }

        internal static OnnxGraph Read(ProtoReader reader)
        {
            var nodes = new List<OnnxNode>();
            var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
            var inputs = new List<OnnxValueInfo>();
            var outputs = new List<OnnxValueInfo>();
            while (!reader.AtEnd)
            {
                (int field, int wireType) = reader.ReadTag();
                switch (field)
                {
                    case 1:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        nodes.Add(OnnxNode.Read(reader.ReadMessage(), nodes.Count));
                        break;
                    case 5:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        OnnxTensor tensor = OnnxTensor.Read(reader.ReadMessage());
                        initializers[tensor.Name] = tensor;
                        break;
                    case 15:
                        throw new OnnxImportException("the graph has sparse initializers, which NetGen does not read");
                    case 11:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        inputs.Add(OnnxValueInfo.Read(reader.ReadMessage()));
                        break;
                    case 12:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        outputs.Add(OnnxValueInfo.Read(reader.ReadMessage()));
                        break;
                    default:
                        reader.Skip(wireType);
                        break;
                }
            }

            return new OnnxGraph(nodes, initializers, inputs, outputs);
        }
    }

    /// <summary>One node: an op with its named inputs, outputs and attributes.</summary>
    public sealed class OnnxNode
    {
        private OnnxNode(int index, string name, string opType, string domain, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, IReadOnlyDictionary<string, OnnxAttribute> attributes)
        {
            Index = index;
            Name = name;
            OpType = opType;
            Domain = domain;
            Inputs = inputs;
            Outputs = outputs;
            Attributes = attributes;
        }

        /// <summary>The node's index in the graph, from 0.</summary>
        public int Index { get; }

        /// <summary>The node's name; may be empty.</summary>
        public string Name { get; }

        /// <summary>The name for messages: the node's name, or its first output's when it has none.</summary>
        public string DisplayName => Name.Length > 0 ? Name : Outputs.Count > 0 ? Outputs[0] : "(unnamed)";

        /// <summary>The op, such as <c>Gemm</c>.</summary>
        public string OpType { get; }

        /// <summary>The op's domain; empty for the standard ops.</summary>
        public string Domain { get; }

        /// <summary>The names of the node's inputs; an empty name is an omitted optional input.</summary>
        public IReadOnlyList<string> Inputs { get; }

        /// <summary>The names of the node's outputs.</summary>
        public IReadOnlyList<string> Outputs { get; }

        /// <summary>The attributes, by name.</summary>
        public IReadOnlyDictionary<string, OnnxAttribute> Attributes { get; }

        /// <summary>The same node with other input names (the importer puts a commutative op's data operand first).</summary>
        internal OnnxNode WithInputs(IReadOnlyList<string> inputs) => new(Index, Name, OpType, Domain, inputs, Outputs, Attributes);

        internal static OnnxNode Read(ProtoReader reader, int index)
        {
            string name = string.Empty, opType = string.Empty, domain = string.Empty;
            var inputs = new List<string>();
            var outputs = new List<string>();
            var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
            while (!reader.AtEnd)
            {
                (int field, int wireType) = reader.ReadTag();
                switch (field)
                {
                    case 1:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        inputs.Add(reader.ReadString());
                        break;
                    case 2:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        outputs.Add(reader.ReadString());
                        break;
                    case 3:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        name = reader.ReadString();
                        break;
                    case 4:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        opType = reader.ReadString();
                        break;
                    case 7:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        domain = reader.ReadString();
                        break;
                    case 5:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        OnnxAttribute attribute = OnnxAttribute.Read(reader.ReadMessage());
                        attributes[attribute.Name] = attribute;
                        break;
                    default:
                        reader.Skip(wireType);
                        break;
                }
            }

            return new OnnxNode(index, name, opType, domain, inputs, outputs, attributes);
        }
    }

    /// <summary>The attribute kinds NetGen reads (ONNX's AttributeProto.AttributeType values).</summary>
    public enum OnnxAttributeType
    {
        /// <summary>Not given.</summary>
        Undefined = 0,

        /// <summary>One float.</summary>
        Float = 1,

        /// <summary>One int64.</summary>
        Int = 2,

        /// <summary>A UTF-8 string.</summary>
        String = 3,

        /// <summary>A tensor.</summary>
        Tensor = 4,

        /// <summary>A graph (control flow); NetGen refuses it.</summary>
        Graph = 5,

        /// <summary>A list of floats.</summary>
        Floats = 6,

        /// <summary>A list of int64s.</summary>
        Ints = 7,
    }

    /// <summary>One attribute of a node.</summary>
    public sealed class OnnxAttribute
    {
        /// <summary>The attribute's name.</summary>
        public string Name { get; private set; } = string.Empty;

        /// <summary>Its kind, from the file's type field or, for files without one, from the value present.</summary>
        public OnnxAttributeType Type { get; private set; }

        /// <summary>The float value.</summary>
        public float Float { get; private set; }

        /// <summary>The int64 value.</summary>
        public long Int { get; private set; }

        /// <summary>The string value.</summary>
        public string String { get; private set; } = string.Empty;

        /// <summary>The tensor value.</summary>
        public OnnxTensor? Tensor { get; private set; }

        /// <summary>The float list.</summary>
        public IReadOnlyList<float> Floats { get; private set; } = Array.Empty<float>();

        /// <summary>The int64 list.</summary>
        public IReadOnlyList<long> Ints { get; private set; } = Array.Empty<long>();

        internal static OnnxAttribute Read(ProtoReader reader)
        {
            var attribute = new OnnxAttribute();
            var floats = new List<float>();
            var ints = new List<long>();
            OnnxAttributeType inferred = OnnxAttributeType.Undefined;
            while (!reader.AtEnd)
            {
                (int field, int wireType) = reader.ReadTag();
                switch (field)
                {
                    case 1:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        attribute.Name = reader.ReadString();
                        break;
                    case 20:
                        reader.Expect(wireType, ProtoReader.Varint);
                        attribute.Type = (OnnxAttributeType)(int)Math.Min(int.MaxValue, reader.ReadVarint());
                        break;
                    case 2:
                        reader.Expect(wireType, ProtoReader.Fixed32);
                        attribute.Float = reader.ReadFloat();
                        inferred = OnnxAttributeType.Float;
                        break;
                    case 3:
                        reader.Expect(wireType, ProtoReader.Varint);
                        attribute.Int = reader.ReadInt64();
                        inferred = OnnxAttributeType.Int;
                        break;
                    case 4:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        attribute.String = reader.ReadString();
                        inferred = OnnxAttributeType.String;
                        break;
                    case 5:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        attribute.Tensor = OnnxTensor.Read(reader.ReadMessage());
                        inferred = OnnxAttributeType.Tensor;
                        break;
                    case 6:
                        reader.Skip(wireType);
                        inferred = OnnxAttributeType.Graph;
                        break;
                    case 7:
                        reader.ReadFloats(wireType, floats);
                        inferred = OnnxAttributeType.Floats;
                        break;
                    case 8:
                        reader.ReadInt64s(wireType, ints);
                        inferred = OnnxAttributeType.Ints;
                        break;
                    default:
                        reader.Skip(wireType);
                        break;
                }
            }

            if (attribute.Type == OnnxAttributeType.Undefined)
            {
                attribute.Type = inferred;
            }

            attribute.Floats = floats;
            attribute.Ints = ints;
            return attribute;
        }
    }

    /// <summary>A dimension of a value's declared shape: a number, or a name (a dynamic dimension such as the batch).</summary>
    public readonly struct OnnxDimension
    {
        /// <summary>Creates a dimension.</summary>
        public OnnxDimension(long? value, string? parameter)
        {
            Value = value;
            Parameter = parameter;
        }

        /// <summary>The fixed size, when there is one.</summary>
        public long? Value { get; }

        /// <summary>The dynamic dimension's name, when it has one.</summary>
        public string? Parameter { get; }

        /// <inheritdoc />
        public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? (string.IsNullOrEmpty(Parameter) ? "?" : Parameter!);
    }

    /// <summary>A graph input or output: its name, element type and declared shape.</summary>
    public sealed class OnnxValueInfo
    {
        /// <summary>The value's name.</summary>
        public string Name { get; private set; } = string.Empty;

        /// <summary>The element type (TensorProto.DataType); 0 when the value is not a tensor.</summary>
        public int ElementType { get; private set; }

        /// <summary>Whether the file declares a shape at all.</summary>
        public bool HasShape { get; private set; }

        /// <summary>The declared shape.</summary>
        public IReadOnlyList<OnnxDimension> Shape { get; private set; } = Array.Empty<OnnxDimension>();

        /// <summary>This value with its first dimension named the batch ("N"), keeping its size.</summary>
        internal OnnxValueInfo WithDynamicBatch() => new()
        {
            Name = Name,
            ElementType = ElementType,
            HasShape = HasShape,
            Shape = Shape.Select((d, i) => i == 0 ? new OnnxDimension(d.Value, "N") : d).ToArray(),
        };

        internal static OnnxValueInfo Read(ProtoReader reader)
        {
            var info = new OnnxValueInfo();
            while (!reader.AtEnd)
            {
                (int field, int wireType) = reader.ReadTag();
                if (field == 1 && wireType == ProtoReader.LengthDelimited)
                {
                    info.Name = reader.ReadString();
                }
                else if (field == 2 && wireType == ProtoReader.LengthDelimited)
                {
                    ProtoReader type = reader.ReadMessage();
                    while (!type.AtEnd)
                    {
                        (int typeField, int typeWire) = type.ReadTag();
                        if (typeField == 1 && typeWire == ProtoReader.LengthDelimited)
                        {
                            info.ReadTensorType(type.ReadMessage());
                        }
                        else
                        {
                            type.Skip(typeWire);
                        }
                    }
                }
                else
                {
                    reader.Skip(wireType);
                }
            }

            return info;
        }

        private void ReadTensorType(ProtoReader reader)
        {
            while (!reader.AtEnd)
            {
                (int field, int wireType) = reader.ReadTag();
                if (field == 1 && wireType == ProtoReader.Varint)
                {
                    ElementType = (int)Math.Min(int.MaxValue, reader.ReadVarint());
                }
                else if (field == 2 && wireType == ProtoReader.LengthDelimited)
                {
                    HasShape = true;
                    var dims = new List<OnnxDimension>();
                    ProtoReader shape = reader.ReadMessage();
                    while (!shape.AtEnd)
                    {
                        (int shapeField, int shapeWire) = shape.ReadTag();
                        if (shapeField == 1 && shapeWire == ProtoReader.LengthDelimited)
                        {
                            dims.Add(ReadDimension(shape.ReadMessage()));
                        }
                        else
                        {
                            shape.Skip(shapeWire);
                        }
                    }

                    Shape = dims;
                }
                else
                {
                    reader.Skip(wireType);
                }
            }
        }

        private static OnnxDimension ReadDimension(ProtoReader reader)
        {
            long? value = null;
            string? parameter = null;
            while (!reader.AtEnd)
            {
                (int field, int wireType) = reader.ReadTag();
                if (field == 1 && wireType == ProtoReader.Varint)
                {
                    value = reader.ReadInt64();
                }
                else if (field == 2 && wireType == ProtoReader.LengthDelimited)
                {
                    parameter = reader.ReadString();
                }
                else
                {
                    reader.Skip(wireType);
                }
            }

            return new OnnxDimension(value, parameter);
        }
    }
}
