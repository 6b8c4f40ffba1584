using System.Text;

namespace NetGen.Generator.Emitting
{
    /// <summary>A small indented text writer (after System.Text.Json's <c>SourceWriter</c>).</summary>
    internal sealed class SourceWriter
    {
        /// <summary>The longest line the emitter writes (the snapshot tests assert it).</summary>
        public const int MaxWidth = 140;

        private readonly StringBuilder _text = new();
        private int _indent;
        private bool _afterOpen = true;

        /// <summary>Writes one line at the current indentation. A comment longer than <see cref="MaxWidth"/> is wrapped
        /// at a space outside XML tags, each continuation line opening with the same <c>//</c> or <c>///</c>.</summary>
        public void Line(string line = "")
        {
            if (line.Length == 0)
            {
                _text.Append('\n');
                _afterOpen = true; // no second blank line
                return;
            }

            string prefix = line.StartsWith("///", System.StringComparison.Ordinal) ? "/// " : line.StartsWith("//", System.StringComparison.Ordinal) ? "// " : string.Empty;
            int width = MaxWidth - (_indent * 4);
            while (prefix.Length > 0 && line.Length > width)
            {
                int split = WrapPoint(line, width, prefix.Length);
                if (split < 0)
                {
                    break;
                }

                Append(line.Substring(0, split).TrimEnd());
                line = prefix + line.Substring(split + 1);
            }

            Append(line);
        }

        private void Append(string line)
        {
            _text.Append(' ', _indent * 4).Append(line).Append('\n');
            _afterOpen = line == "{";
        }

        /// <summary>A blank line between two members or blocks: none right after an opening brace.</summary>
        public void Separate()
        {
            if (!_afterOpen)
            {
                Line();
            }
        }

        /// <summary>The last space at or before <paramref name="width"/> that is outside an XML tag, or -1.</summary>
        private static int WrapPoint(string line, int width, int after)
        {
            int best = -1, depth = 0;
            for (int i = 0; i < line.Length && i <= width; i++)
            {
                char c = line[i];
                depth += c == '<' ? 1 : c == '>' && depth > 0 ? -1 : 0;
                if (c == ' ' && depth == 0 && i > after)
                {
                    best = i;
                }
            }

            return best;
        }

        /// <summary>Writes <paramref name="header"/> and an opening brace, and indents until <see cref="Close"/>.</summary>
        public void Open(string header)
        {
            Line(header);
            Line("{");
            _indent++;
        }

        /// <summary>Opens a method: <c>head(parameters)</c> on one line where it fits in <see cref="MaxWidth"/>, else
        /// the parameters on the lines below, indented once, as many to a line as fit.</summary>
        public void OpenMethod(string head, params string[] parameters)
        {
            List(head, parameters, ")");
            Line("{");
            _indent++;
        }

        /// <summary>Writes a call statement, <c>head(arguments);</c>, wrapped as <see cref="OpenMethod"/> wraps.</summary>
        public void Call(string head, params string[] arguments) => List(head, arguments, ");");

        /// <summary>Writes <paramref name="body"/> indented once more: the statement of a one-line loop.</summary>
        public void Nested(System.Action body)
        {
            _indent++;
            body();
            _indent--;
        }

        private void List(string head, string[] items, string end)
        {
            string line = head + "(" + string.Join(", ", items) + end;
            if ((_indent * 4) + line.Length <= MaxWidth)
            {
                Line(line);
                return;
            }

            Line(head + "(");
            _indent++;
            var current = new StringBuilder();
            for (int i = 0; i < items.Length; i++)
            {
                string item = items[i] + (i == items.Length - 1 ? end : ",");
                if (current.Length > 0 && (_indent * 4) + current.Length + 1 + item.Length > MaxWidth)
                {
                    Line(current.ToString());
                    current.Clear();
                }

                current.Append(current.Length > 0 ? " " : string.Empty).Append(item);
            }

            Line(current.ToString());
            _indent--;
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
