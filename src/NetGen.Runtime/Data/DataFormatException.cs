using System;

namespace NetGen.Data
{
    /// <summary>Malformed data: names the file, and where it applies the line (from 1) and column (from 1).</summary>
    public sealed class DataFormatException : FormatException
    {
        /// <summary>Creates the exception; the message is prefixed with the location.</summary>
        public DataFormatException(string file, int line, int column, string problem)
            : base($"{file}{(line > 0 ? $", line {line}" : string.Empty)}{(column > 0 ? $", column {column}" : string.Empty)}: {problem}")
        {
            File = file;
            Line = line;
            Column = column;
        }

        /// <summary>The file's path.</summary>
        public string File { get; }

        /// <summary>The line, counting from 1; 0 where the problem is not on one line.</summary>
        public int Line { get; }

        /// <summary>The column, counting from 1; 0 where the problem is not in one column.</summary>
        public int Column { get; }
    }
}
