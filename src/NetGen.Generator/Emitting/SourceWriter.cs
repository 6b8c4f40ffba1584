using System.Text;

namespace NetGen.Generator.Emitting
{
    /// <summary>A small indented text writer (after System.Text.Json's <c>SourceWriter</c>).</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _text = new();
        private int _indent;

        public void Line(string line = "")
        {
            if (line.Length > 0)
            {
                _text.Append(' ', _indent * 4);
            }

            _text.Append(line).Append('\n');
        }

        /// <summary>Writes <paramref name="header"/> and an opening brace, and indents until <see cref="Close"/>.</summary>
        public void Open(string header)
        {
            Line(header);
            Line("{");
            _indent++;
        }

        /// <summary>Opens a bare block, with an optional comment on its first line.</summary>
        public void Block(string comment = "")
        {
            Line(comment.Length == 0 ? "{" : "{ " + comment);
            _indent++;
        }

        public void Close(string suffix = "")
        {
            _indent--;
            Line("}" + suffix);
        }

        public override string ToString() => _text.ToString();
    }
}
