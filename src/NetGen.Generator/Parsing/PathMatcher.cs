using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.Generator.Parsing
{
    /// <summary>How a path written in an attribute ([Weights], [OnnxModel]) finds its item among the compiler's files: the
    /// item at that path relative to the declaring source file, else the one item whose path ends with the path as
    /// written. Plain string work, so it behaves the same in every host.</summary>
    internal static class PathMatcher
    {
        /// <summary>The item <paramref name="written"/> names, or null and the reason (which names the items there are
        /// when none matches).</summary>
        public static (T? Item, string? Problem) Find<T>(string written, string sourceDirectory, IReadOnlyList<T> items, Func<T, string> pathOf, string itemKind)
            where T : class
        {
            string normalized = Normalize(written);
            string target = IsRooted(written) || sourceDirectory.Length == 0 ? normalized : Normalize(sourceDirectory + "/" + written);
            T? exact = items.FirstOrDefault(f => Normalize(pathOf(f)) == target)
                ?? items.FirstOrDefault(f => string.Equals(Normalize(pathOf(f)), target, StringComparison.OrdinalIgnoreCase));
            if (exact is not null)
            {
                return (exact, null);
            }

            string suffix = normalized.TrimStart('/');
            while (suffix.StartsWith("../", StringComparison.Ordinal))
            {
                suffix = suffix.Substring(3);
            }

            T[] EndingWith(StringComparison comparison) => items
                .Where(f => Normalize(pathOf(f)) is { } p && (string.Equals(p, suffix, comparison) || p.EndsWith("/" + suffix, comparison)))
                .GroupBy(f => Normalize(pathOf(f)), StringComparer.Ordinal) // the same file listed twice is one file
                .Select(g => g.First())
                .ToArray();
            T[] candidates = EndingWith(StringComparison.Ordinal);
            if (candidates.Length == 0)
            {
                candidates = EndingWith(StringComparison.OrdinalIgnoreCase);
            }

            if (candidates.Length > 1)
            {
                return (null, $"{candidates.Length} {itemKind} items end with that path ({string.Join(", ", candidates.Select(pathOf).OrderBy(p => p, StringComparer.Ordinal))}); write the path relative to the source file");
            }

            return candidates.Length == 1 ? (candidates[0], null) : (null, $"no {itemKind} item has that path (expected '{target}')");
        }

        /// <summary>Separators unified, <c>.</c> and <c>dir/..</c> removed, so paths written either way compare equal.</summary>
        public static string Normalize(string path)
        {
            string unified = path.Replace('\\', '/');
            var parts = new List<string>();
            foreach (string part in unified.Split('/'))
            {
                if (part.Length == 0 || part == ".")
                {
                    continue;
                }

                if (part == ".." && parts.Count > 0 && parts[parts.Count - 1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else
                {
                    parts.Add(part);
                }
            }

            return (unified.StartsWith("/", StringComparison.Ordinal) ? "/" : string.Empty) + string.Join("/", parts);
        }

        private static bool IsRooted(string path) =>
            path.StartsWith("/", StringComparison.Ordinal) || path.StartsWith("\\", StringComparison.Ordinal) || (path.Length > 1 && path[1] == ':');
    }
}
