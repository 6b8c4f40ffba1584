using System;

namespace NetGen.Onnx
{
    /// <summary>The file is not a well-formed ONNX model: truncated, corrupted, or not protobuf at all. The message says
    /// where, as a byte offset, and what was expected.</summary>
    public sealed class OnnxFormatException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public OnnxFormatException(string message)
            : base(message)
        {
        }
    }

    /// <summary>The model is well-formed ONNX but NetGen cannot compile it: an op it does not map, an attribute it does not
    /// support, a shape it cannot fix. Carries the node's name, op and index in the graph when a node is the cause.</summary>
    public sealed class OnnxImportException : Exception
    {
        /// <summary>Creates the exception for the model as a whole.</summary>
        public OnnxImportException(string message)
            : base(message)
        {
        }

        /// <summary>Creates the exception for one node.</summary>
        public OnnxImportException(OnnxNode node, string message)
            : base($"node {node.Index} ('{node.DisplayName}', {node.OpType}): {message}")
        {
            Node = node;
        }

        /// <summary>The node the problem is at, when there is one.</summary>
        public OnnxNode? Node { get; }
    }
}
