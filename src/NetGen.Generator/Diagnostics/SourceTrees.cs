using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generator.Model;

namespace NetGen.Generator.Diagnostics
{
    /// <summary>The compilation's syntax trees, seen only by the diagnostics output: it turns each plain
    /// <see cref="LocationInfo"/> back into a location inside its tree, so that <c>#pragma warning disable</c>,
    /// <c>[SuppressMessage]</c> and .editorconfig severities apply to NG diagnostics (as dotnet/runtime's Logging
    /// generator does since dotnet/runtime#92509). A location in a file that is no syntax tree (a weights file among
    /// the AdditionalFiles) stays an external location.</summary>
    /// <remarks>Equal when it holds the same trees, tree for tree, so a new compilation that changed no tree (a clone,
    /// new references) does not report again.</remarks>
    internal sealed class SourceTrees : IEquatable<SourceTrees>
    {
        private readonly ImmutableArray<SyntaxTree> _trees;
        private Dictionary<string, SyntaxTree>? _byPath;

        public SourceTrees(ImmutableArray<SyntaxTree> trees) => _trees = trees;

        public static SourceTrees Of(Compilation compilation) => new(compilation.SyntaxTrees.ToImmutableArray());

        /// <summary>The location <paramref name="info"/> describes: in its syntax tree when there is one, else external
        /// (path, span and line span), else <see cref="Location.None"/>.</summary>
        public Location Resolve(LocationInfo? info)
        {
            if (info is null)
            {
                return Location.None;
            }

            var span = new TextSpan(info.Start, info.Length);
            if (TreeAt(info.FilePath) is { } tree && span.End <= tree.Length)
            {
                return Location.Create(tree, span);
            }

            return Location.Create(
                info.FilePath,
                span,
                new LinePositionSpan(new LinePosition(info.StartLine, info.StartCharacter), new LinePosition(info.EndLine, info.EndCharacter)));
        }

        private SyntaxTree? TreeAt(string path)
        {
            if (_byPath is null)
            {
                var byPath = new Dictionary<string, SyntaxTree>(StringComparer.Ordinal);
                foreach (SyntaxTree tree in _trees)
                {
                    if (!byPath.ContainsKey(tree.FilePath))
                    {
                        byPath.Add(tree.FilePath, tree);
                    }
                }

                _byPath = byPath;
            }

            return _byPath.TryGetValue(path, out SyntaxTree? found) ? found : null;
        }

        public bool Equals(SourceTrees? other) =>
            other is not null && _trees.Length == other._trees.Length && _trees.Zip(other._trees, ReferenceEquals).All(same => same);

        public override bool Equals(object? obj) => Equals(obj as SourceTrees);

        public override int GetHashCode() => _trees.Length;
    }
}
