using System;
using System.Collections.Immutable;
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
        /// <summary>Builds the pipeline: attribute -> parse -> model -> source, with diagnostics reported beside it in
        /// outputs of their own, the only ones that see the syntax trees.</summary>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // Candidate weights files, each read once per edit of that file. Holding the text keeps the step equatable.
            IncrementalValuesProvider<WeightsFile> weightsFiles = context.AdditionalTextsProvider
                .Where(static text => WeightsBaker.IsCandidate(text.Path))
                .Select(static (text, cancellationToken) => new WeightsFile(text.Path, text.GetText(cancellationToken)?.ToString()))
                .WithTrackingName(TrackingNames.WeightsFile);
            IncrementalValueProvider<ImmutableArray<WeightsFile>> allWeightsFiles = weightsFiles.Collect();

            // Converted ONNX models: AdditionalFiles items that the build marked with the model's path (NetGenModel).
            IncrementalValueProvider<ImmutableArray<ModelFile>> allModelFiles = context.AdditionalTextsProvider
                .Combine(context.AnalyzerConfigOptionsProvider)
                .Select(static (pair, cancellationToken) =>
                    pair.Right.GetOptions(pair.Left).TryGetValue(OnnxImport.ModelMetadata, out string? model) && !string.IsNullOrEmpty(model)
                        ? OnnxImport.ReadModelFile(model!, pair.Left.Path, pair.Left.GetText(cancellationToken)?.ToString())
                        : null)
                .Where(static file => file is not null)
                .Select(static (file, _) => file!)
                .WithTrackingName(TrackingNames.ModelFile)
                .Collect();

            // The syntax trees, for the diagnostics outputs only (see SourceTrees). No source output sees them, so the
            // source outputs stay cached; the diagnostics outputs are not cache-checked and re-run when a tree changes.
            IncrementalValueProvider<SourceTrees> trees = context.CompilationProvider
                .Select(static (compilation, _) => SourceTrees.Of(compilation));

            // A network may carry any of the attributes (a broken one may lack [Input]), so each attribute starts a
            // pipeline. The parser lets exactly one pipeline own each type, so every type is parsed once.
            foreach (string attribute in AttributeNames.All)
            {
                IncrementalValuesProvider<ParseResult> parsed = RegisterNetworks(context, attribute, trees);
                RegisterBakedNetworks(context, parsed, allWeightsFiles, trees);
                RegisterImportedNetworks(context, parsed, allModelFiles, allWeightsFiles, trees);
            }
        }

        /// <summary>Trainable networks: parse, report the parse's diagnostics, emit. Returns the parse results, which
        /// also carry the baked networks' requests.</summary>
        private static IncrementalValuesProvider<ParseResult> RegisterNetworks(IncrementalGeneratorInitializationContext context, string attribute, IncrementalValueProvider<SourceTrees> trees)
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

            // Diagnostics go out whether or not code can be generated, each at its place in the user's syntax tree.
            IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
                .Select(static (result, _) => result.Diagnostics)
                .WithTrackingName(TrackingNames.Diagnostics);
            context.RegisterSourceOutput(
                diagnostics.Combine(trees).WithTrackingName(TrackingNames.Report),
                static (output, input) => Report(output, input.Right, input.Left, weightsAttribute: null));

            // Emit: a pure function of the model.
            IncrementalValuesProvider<NetworkSpec> networks = parsed
                .Select(static (result, _) => result.Network)
                .Where(static network => network is not null)
                .Select(static (network, _) => network!)
                .WithTrackingName(TrackingNames.Network);

            context.RegisterSourceOutput(networks, static (output, network) =>
                AddSource(output, network.Type.Name, () => NetworkEmitter.Emit(network)));
            return parsed;
        }

        /// <summary>Baked networks: match each request with its file (only a change to that file, or to the request, gets
        /// past the match), then check the file against the topology and emit the inference-only type. The request holds
        /// no location, so moving the declaration neither matches nor bakes again.</summary>
        private static void RegisterBakedNetworks(
            IncrementalGeneratorInitializationContext context,
            IncrementalValuesProvider<ParseResult> parsed,
            IncrementalValueProvider<ImmutableArray<WeightsFile>> allWeightsFiles,
            IncrementalValueProvider<SourceTrees> trees)
        {
            IncrementalValuesProvider<BakeResult> baked = parsed
                .Select(static (result, _) => result.Bake)
                .Where(static bake => bake is not null)
                .Combine(allWeightsFiles)
                .Select(static (pair, _) => WeightsBaker.Match(pair.Left!, pair.Right))
                .WithTrackingName(TrackingNames.BakeInput)
                .Select(static (input, cancellationToken) => BakeSafely(input, cancellationToken))
                .WithTrackingName(TrackingNames.Bake);

            // Bake diagnostics about the file as a whole have no location of their own: they go to the network's
            // [Weights] attribute, found by the network's full name among the sites the parse recorded.
            IncrementalValueProvider<ImmutableArray<WeightsAttributeSite>> weightsAttributes = parsed
                .Where(static result => result.Bake is not null)
                .Select(static (result, _) => new WeightsAttributeSite(result.Bake!.Network.Type.FullName, result.WeightsAttribute))
                .Collect();
            ReportAtAttribute(context, baked.Select(static (result, _) => (result.Type, result.Diagnostics)), weightsAttributes, trees);

            IncrementalValuesProvider<BakedNetworkSpec> bakedNetworks = baked
                .Select(static (result, _) => result.Network)
                .Where(static network => network is not null)
                .Select(static (network, _) => network!)
                .WithTrackingName(TrackingNames.BakedNetwork);

            context.RegisterSourceOutput(bakedNetworks, static (output, network) =>
                AddSource(output, network.Network.Type.Name, () => NetworkEmitter.EmitBaked(network)));
        }

        /// <summary>[OnnxModel] networks: match each request with its converted model, build the network from it, emit the
        /// trainable or the baked type. Diagnostics about the model go to the [OnnxModel] attribute.</summary>
        private static void RegisterImportedNetworks(
            IncrementalGeneratorInitializationContext context,
            IncrementalValuesProvider<ParseResult> parsed,
            IncrementalValueProvider<ImmutableArray<ModelFile>> allModelFiles,
            IncrementalValueProvider<ImmutableArray<WeightsFile>> allWeightsFiles,
            IncrementalValueProvider<SourceTrees> trees)
        {
            IncrementalValuesProvider<OnnxResult> imported = parsed
                .Select(static (result, _) => result.Onnx)
                .Where(static onnx => onnx is not null)
                .Combine(allModelFiles)
                .Select(static (pair, _) => OnnxImport.Match(pair.Left!, pair.Right))
                .Combine(allWeightsFiles)
                .Select(static (pair, _) => OnnxImport.MatchCalibration(pair.Left, pair.Right))
                .Select(static (input, cancellationToken) => ImportSafely(input, cancellationToken))
                .WithTrackingName(TrackingNames.Import);

            IncrementalValueProvider<ImmutableArray<WeightsAttributeSite>> sites = parsed
                .Where(static result => result.Onnx is not null)
                .Select(static (result, _) => new WeightsAttributeSite(result.Onnx!.Type.FullName, result.WeightsAttribute))
                .Collect();
            ReportAtAttribute(context, imported.Select(static (result, _) => (result.Type, result.Diagnostics)), sites, trees);

            context.RegisterSourceOutput(imported, static (output, result) =>
            {
                if (result.Network is { } network)
                {
                    AddSource(output, network.Type.Name, () => NetworkEmitter.Emit(network));
                }
                else if (result.Baked is { } baked)
                {
                    AddSource(output, baked.Network.Type.Name, () => NetworkEmitter.EmitBaked(baked));
                }
            });
        }

        /// <summary>Reports each network's diagnostics; those without a location of their own (about a file as a whole) go
        /// to the network's [Weights] or [OnnxModel] attribute, found by the network's full name among the sites.</summary>
        private static void ReportAtAttribute(
            IncrementalGeneratorInitializationContext context,
            IncrementalValuesProvider<(string Type, EquatableArray<DiagnosticInfo> Diagnostics)> results,
            IncrementalValueProvider<ImmutableArray<WeightsAttributeSite>> sites,
            IncrementalValueProvider<SourceTrees> trees) =>
            context.RegisterSourceOutput(
                results.Combine(sites).Combine(trees).WithTrackingName(TrackingNames.Report),
                static (output, input) => Report(
                    output,
                    input.Right,
                    input.Left.Left.Diagnostics,
                    input.Left.Right.FirstOrDefault(site => site.Type == input.Left.Left.Type)?.Location));

        /// <summary>Importing never throws: an unexpected failure is NG0099 at the [OnnxModel] attribute.</summary>
        private static OnnxResult ImportSafely(OnnxInput input, System.Threading.CancellationToken cancellationToken)
        {
            try
            {
                return OnnxImport.Build(input, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var error = new DiagnosticInfo(
                    DiagnosticDescriptors.InternalError.Id,
                    null,
                    new EquatableArray<string>(new[] { input.Request.Type.Name, e.GetType().Name + ": " + e.Message }));
                return new OnnxResult(input.Request.Type.FullName, null, null, new EquatableArray<DiagnosticInfo>(new[] { error }));
            }
        }

        /// <summary>Reports each diagnostic at its place in <paramref name="trees"/>; one without a location is about a
        /// weights file as a whole and goes to <paramref name="weightsAttribute"/>.</summary>
        private static void Report(SourceProductionContext output, SourceTrees trees, EquatableArray<DiagnosticInfo> diagnostics, LocationInfo? weightsAttribute)
        {
            foreach (DiagnosticInfo info in diagnostics)
            {
                Location location = trees.Resolve(info.Location ?? weightsAttribute);
                output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById(info.Id), location, info.Arguments.Cast<object>().ToArray()));
            }
        }

        private static void AddSource(SourceProductionContext output, string typeName, Func<(string HintName, string Source)[]> emit)
        {
            try
            {
                foreach ((string hintName, string source) in emit())
                {
                    output.AddSource(hintName, source);
                }
            }
            catch (Exception e)
            {
                output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, typeName, e.GetType().Name + ": " + e.Message));
            }
        }

        /// <summary>Baking never throws: an unexpected failure is NG0099 at the [Weights] attribute.</summary>
        private static BakeResult BakeSafely(BakeInput input, System.Threading.CancellationToken cancellationToken)
        {
            try
            {
                return WeightsBaker.Bake(input, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var error = new DiagnosticInfo(
                    DiagnosticDescriptors.InternalError.Id,
                    null, // at the [Weights] attribute, which the diagnostics output knows
                    new EquatableArray<string>(new[] { input.Request.Network.Type.Name, e.GetType().Name + ": " + e.Message }));
                return new BakeResult(input.Request.Network.Type.FullName, null, new EquatableArray<DiagnosticInfo>(new[] { error }));
            }
        }
    }

    /// <summary>Names of the tracked pipeline steps, for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        /// <summary>Symbols to <c>ParseResult</c>.</summary>
        public const string Parse = "NetGen.Parse";

        /// <summary>The diagnostics of a parse.</summary>
        public const string Diagnostics = "NetGen.Diagnostics";

        /// <summary>Diagnostics with the syntax trees that turn their locations into real source locations: the input of
        /// the diagnostics outputs. It changes whenever a syntax tree does, so cache tests leave it and its outputs out.</summary>
        public const string Report = "NetGen.Report";

        /// <summary>The network model that the emitter formats.</summary>
        public const string Network = "NetGen.Network";

        /// <summary>An AdditionalFiles item that may hold weights.</summary>
        public const string WeightsFile = "NetGen.WeightsFile";

        /// <summary>A baked network's request with its matched file.</summary>
        public const string BakeInput = "NetGen.BakeInput";

        /// <summary>The file checked against the topology: literals and diagnostics.</summary>
        public const string Bake = "NetGen.Bake";

        /// <summary>The baked network model that the emitter formats.</summary>
        public const string BakedNetwork = "NetGen.BakedNetwork";

        /// <summary>The converted ONNX models among the AdditionalFiles.</summary>
        public const string ModelFile = "NetGen.ModelFile";

        /// <summary>An [OnnxModel] network built from its converted model: the network, or the diagnostics.</summary>
        public const string Import = "NetGen.Import";
    }
}
