using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>How to read a numeric CSV file.</summary>
    public sealed class CsvOptions
    {
        /// <summary>The field delimiter; ',' by default.</summary>
        public char Delimiter { get; init; } = ',';

        /// <summary>Whether the first line names the columns; true by default.</summary>
        public bool HasHeader { get; init; } = true;

        /// <summary>The target column's name (with a header) or zero-based index as text; the last column by default.</summary>
        public string? TargetColumn { get; init; }

        /// <summary>The feature columns by name (with a header) or zero-based index as text; all columns but the target by default.</summary>
        public IReadOnlyList<string>? FeatureColumns { get; init; }

        /// <summary>When set, the target holds integer class labels 0..Classes-1, one-hot encoded into that many target values.</summary>
        public int? Classes { get; init; }
    }

    /// <summary>Loads numeric CSV into a <see cref="Dataset{T}"/>. Fields may be quoted. A row with one more field than
    /// the header has an unnamed row name first (as R's write.csv writes), which is skipped. Any malformed field throws
    /// <see cref="DataFormatException"/> naming the file, line and column.</summary>
    public static class CsvLoader
    {
        /// <summary>Reads <paramref name="path"/>.</summary>
        public static Dataset<T> Load<T>(string path, CsvOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(path);
            options ??= new CsvOptions();
            if (options.Classes is < 2)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.Classes, "Classes must be at least 2.");
            }

            string file = Path.GetFileName(path);
            using var reader = new StreamReader(path);
            string[]? header = options.HasHeader ? ReadHeader(reader, file, options.Delimiter) : null;
            int lineNumber = header is null ? 0 : 1;

            int[]? features = null;
            int target = -1;
            int columns = -1;
            var inputs = new List<T>();
            var targets = new List<T>();
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }

                List<string> fields = Split(line, options.Delimiter);
                int skip = header is not null && fields.Count == header.Length + 1 ? 1 : 0;
                if (columns < 0)
                {
                    // With a header, it says how many columns there are; without one, the first row does.
                    columns = header?.Length ?? fields.Count;
                    (features, target) = ResolveColumns(file, header, columns, options);
                }

                if (fields.Count - skip != columns)
                {
                    throw new DataFormatException(file, lineNumber, 0, $"expected {columns} fields, but the line has {fields.Count - skip}.");
                }

                foreach (int column in features!)
                {
                    inputs.Add(Convert<T>(Number(file, lineNumber, column + skip, fields[column + skip], header, column), file, lineNumber, column + skip));
                }

                double value = Number(file, lineNumber, target + skip, fields[target + skip], header, target);
                AddTarget(targets, value, options.Classes, file, lineNumber, target + skip, fields[target + skip]);
            }

            if (features is null)
            {
                throw new DataFormatException(file, lineNumber, 0, "the file has no data rows.");
            }

            return new Dataset<T>(inputs.ToArray(), features.Length, targets.ToArray(), options.Classes ?? 1);
        }

        /// <summary>The header's column names, unquoted.</summary>
        private static string[] ReadHeader(StreamReader reader, string file, char delimiter)
        {
            string? first = reader.ReadLine();
            if (first is null)
            {
                throw new DataFormatException(file, 1, 0, "the file is empty; expected a header line.");
            }

            return Split(first, delimiter).Select(Unquote).ToArray();
        }

        /// <summary>Appends a row's target: the value itself, or with <paramref name="classes"/> the one-hot encoding of
        /// the integer label it must be.</summary>
        private static void AddTarget<T>(List<T> targets, double value, int? classes, string file, int lineNumber, int field, string text)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (classes is not int count)
            {
                targets.Add(Convert<T>(value, file, lineNumber, field));
                return;
            }

            if (value != Math.Floor(value) || value < 0 || value >= count)
            {
                throw new DataFormatException(file, lineNumber, field + 1, $"the class label {text} is not an integer in [0, {count}).");
            }

            for (int c = 0; c < count; c++)
            {
                targets.Add(c == (int)value ? T.One : T.Zero);
            }
        }

        private static (int[] Features, int Target) ResolveColumns(string file, string[]? header, int columns, CsvOptions options)
        {
            int Resolve(string name)
            {
                int index = header is null ? -1 : Array.IndexOf(header, name);
                if (index < 0 && !int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out index))
                {
                    throw new DataFormatException(file, 1, 0, $"there is no column '{name}'; the columns are {string.Join(", ", header ?? Array.Empty<string>())}.");
                }

                if (index < 0 || index >= columns)
                {
                    throw new DataFormatException(file, 1, 0, $"column {index} does not exist; the file has {columns} columns.");
                }

                return index;
            }

            int target = options.TargetColumn is null ? columns - 1 : Resolve(options.TargetColumn);
            int[] features = options.FeatureColumns is null
                ? Enumerable.Range(0, columns).Where(c => c != target).ToArray()
                : options.FeatureColumns.Select(Resolve).ToArray();
            if (features.Length == 0)
            {
                throw new DataFormatException(file, 1, 0, "no feature columns are left.");
            }

            return (features, target);
        }

        private static double Number(string file, int line, int field, string text, string[]? header, int column)
        {
            string value = Unquote(text).Trim();
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number))
            {
                return number;
            }

            string name = header is not null && column < header.Length ? $" ('{header[column]}')" : string.Empty;
            throw new DataFormatException(file, line, field + 1, $"'{value}'{name} is not a finite number.");
        }

        /// <summary>The value in T, refused where it does not fit (1e300 is finite as a double but not as a float).</summary>
        private static T Convert<T>(double value, string file, int line, int field) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T converted = T.CreateTruncating(value);
            return T.IsFinite(converted)
                ? converted
                : throw new DataFormatException(file, line, field + 1, $"{value.ToString("R", CultureInfo.InvariantCulture)} is too large for {typeof(T).Name}.");
        }

        private static string Unquote(string field) =>
            field.Length >= 2 && field[0] == '"' && field[^1] == '"' ? field[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : field;

        private static List<string> Split(string line, char delimiter)
        {
            var fields = new List<string>();
            int start = 0;
            bool quoted = false;
            for (int i = 0; i < line.Length; i++)
            {
                if (line[i] == '"')
                {
                    quoted = !quoted;
                }
                else if (line[i] == delimiter && !quoted)
                {
                    fields.Add(line[start..i]);
                    start = i + 1;
                }
            }

            fields.Add(line[start..]);
            return fields;
        }
    }
}
