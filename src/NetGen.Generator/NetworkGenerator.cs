using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Emitting;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;

namespace NetGen.Generator
{
    /// <summary>Generates a specialised multilayer perceptron for every partial type that declares one with NetGen's
    /// attributes: <c>[Input]</c>, then <c>[Dense]</c> and <c>[Maxout]</c> layers in order, then <c>[Loss]</c>.</summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class NetworkGenerator : IIncrementalGenerator
    {
        /// <summary>Builds the pipeline: attribute -> parse -> model -> source, with diagnostics reported beside it.</summary>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // A network may carry any of the attributes (a broken one may lack [Input]), so each attribute starts a
            // pipeline. The parser lets exactly one pipeline own each type, so every type is parsed once.
            foreach (string attribute in AttributeNames.All)
            {
                // Parse: symbols in, plain equatable data out (model and diagnostics). This is the cache boundary.
                IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
                    .ForAttributeWithMetadataName(
                        attribute,
                        static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
                        (syntax, cancellationToken) => NetworkParser.Parse(syntax, attribute, cancellationToken))
                    .Where(static result => result is not null)
                    .Select(static (result, _) => result!)
                    .WithTrackingName(TrackingNames.Parse);

                // Diagnostics go out whether or not code can be generated.
                context.RegisterSourceOutput(
                    parsed.Select(static (result, _) => result.Diagnostics).WithTrackingName(TrackingNames.Diagnostics),
                    static (output, diagnostics) =>
                    {
                        foreach (DiagnosticInfo info in diagnostics)
                        {
                            output.ReportDiagnostic(ToDiagnostic(info));
                        }
                    });

                // Emit: a pure function of the model.
                IncrementalValuesProvider<NetworkSpec> networks = parsed
                    .Select(static (result, _) => result.Network)
                    .Where(static network => network is not null)
                    .Select(static (network, _) => network!)
                    .WithTrackingName(TrackingNames.Network);

                context.RegisterSourceOutput(networks, static (output, network) =>
                {
                    try
                    {
                        (string hintName, string source) = NetworkEmitter.Emit(network);
                        output.AddSource(hintName, source);
                    }
                    catch (Exception e)
                    {
                        output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, network.Type.Name, e.GetType().Name + ": " + e.Message));
                    }
                });
            }
        }

        private static Diagnostic ToDiagnostic(DiagnosticInfo info)
        {
            Location location = info.Location is { } l
                ? Location.Create(
                    l.FilePath,
                    new Microsoft.CodeAnalysis.Text.TextSpan(l.Start, l.Length),
                    new Microsoft.CodeAnalysis.Text.LinePositionSpan(
                        new Microsoft.CodeAnalysis.Text.LinePosition(l.StartLine, l.StartCharacter),
                        new Microsoft.CodeAnalysis.Text.LinePosition(l.EndLine, l.EndCharacter)))
                : Location.None;
            return Diagnostic.Create(DiagnosticDescriptors.ById(info.Id), location, info.Arguments.Cast<object>().ToArray());
        }
    }

    /// <summary>Names of the tracked pipeline steps, for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        /// <summary>Symbols to <c>ParseResult</c>.</summary>
        public const string Parse = "NetGen.Parse";

        /// <summary>The diagnostics of a parse.</summary>
        public const string Diagnostics = "NetGen.Diagnostics";

        /// <summary>The network model that the emitter formats.</summary>
        public const string Network = "NetGen.Network";
    }
}
