using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;
using static NetGen.Generator.Invariant;

namespace NetGen.Generator.Parsing
{
    /// <summary>Turns a type carrying NetGen attributes into a <see cref="NetworkSpec"/> and its diagnostics.
    /// The only place that touches Roslyn symbols: everything it returns is plain, equatable data.</summary>
    internal static class NetworkParser
    {
        /// <summary>Unrolled scalar kernels spend about 65 IL bytes and 31 IL instructions per weight in a backward method
        /// (measured); 512 weights keep every method near 34 KB and 16,000 instructions, inside the JIT's limits of
        /// 60,000 bytes and 20,000 instructions past which it stops optimising (pinned by JitLimitTests).</summary>
        public const int MaxUnrolledWeightsPerLayer = 512;

        /// <summary>Parameters live in one array; stay well below the CLR's array length limit.</summary>
        public const long MaxParameters = 1L << 30;

        /// <summary>Parses the type that <paramref name="context"/> found through <paramref name="trigger"/>, or returns
        /// null when another pipeline owns the type, so that every type is parsed exactly once.</summary>
        public static ParseResult? Parse(GeneratorAttributeSyntaxContext context, string trigger, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
            {
                return null;
            }

            ImmutableArray<AttributeData> attributes = type.GetAttributes()
                .Where(a => AttributeNames.All.Contains(a.AttributeClass?.ToDisplayString()))
                .ToImmutableArray();
            if (!Owns(attributes, trigger, declaration, cancellationToken))
            {
                return null;
            }

            try
            {
                return new Parser(type, declaration, attributes, cancellationToken).Run();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var error = new DiagnosticInfo(
                    DiagnosticDescriptors.InternalError.Id,
                    LocationOf(declaration.Identifier.GetLocation()),
                    new EquatableArray<string>(new[] { type.Name, e.GetType().Name + ": " + e.Message }));
                return new ParseResult(null, new EquatableArray<DiagnosticInfo>(new[] { error }));
            }
        }

        /// <summary>A type is owned by the pipeline of its first NetGen attribute in the order of
        /// <see cref="AttributeNames.All"/>, and, among the declarations carrying that attribute, by the first.</summary>
        private static bool Owns(ImmutableArray<AttributeData> attributes, string trigger, SyntaxNode target, CancellationToken cancellationToken)
        {
            string? owner = AttributeNames.All.FirstOrDefault(name => attributes.Any(a => a.AttributeClass?.ToDisplayString() == name));
            if (owner != trigger)
            {
                return false;
            }

            AttributeData first = attributes.First(a => a.AttributeClass?.ToDisplayString() == trigger);
            SyntaxNode? firstSyntax = first.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
            return firstSyntax is not null && firstSyntax.SyntaxTree == target.SyntaxTree && target.Span.Contains(firstSyntax.Span);
        }

        internal static LocationInfo? LocationOf(Location? location)
        {
            if (location is null || location.SourceTree is null)
            {
                return null;
            }

            FileLinePositionSpan lines = location.GetLineSpan();
            return new LocationInfo(
                location.SourceTree.FilePath,
                location.SourceSpan.Start,
                location.SourceSpan.Length,
                lines.StartLinePosition.Line,
                lines.StartLinePosition.Character,
                lines.EndLinePosition.Line,
                lines.EndLinePosition.Character);
        }

        /// <summary>Channels-first planes between layers: C x H x W, or C x L with <c>Height</c> 1 and <c>Dimensions</c> 1.</summary>
        private sealed record Planes(int Channels, int Height, int Width, int Dimensions)
        {
            public int Size => Channels * Height * Width;
        }

        /// <summary>One parse: reads the attributes in order, checks the rules, and builds the model if nothing failed.</summary>
        private sealed class Parser
        {
            private readonly INamedTypeSymbol _type;
            private readonly TypeDeclarationSyntax _declaration;
            private readonly ImmutableArray<AttributeData> _attributes;
            private readonly CancellationToken _cancellationToken;
            private readonly List<DiagnosticInfo> _diagnostics = new();
            private readonly AttributeData? _weights;
            private readonly AttributeData? _onnx;
            private bool _failed;
            private bool _isDouble;
            private bool _int8;

            public Parser(INamedTypeSymbol type, TypeDeclarationSyntax declaration, ImmutableArray<AttributeData> attributes, CancellationToken cancellationToken)
            {
                _type = type;
                _declaration = declaration;
                _attributes = attributes;
                _cancellationToken = cancellationToken;
                _weights = attributes.FirstOrDefault(a => Is(a, AttributeNames.Weights));
                _onnx = attributes.FirstOrDefault(a => Is(a, AttributeNames.OnnxModel));
            }

            /// <summary>Whether the network is baked: from a weights file, or a static class compiled from an ONNX model.
            /// Inference-only, all members static.</summary>
            private bool Baked => _weights is not null || (_onnx is not null && _type.IsStatic);

            public ParseResult Run()
            {
                // Attributes that do not bind (a missing argument, a wrong type) already have a compiler error: generate nothing.
                if (_attributes.Any(a => a.AttributeConstructor is null || a.ConstructorArguments.Any(c => c.Kind == TypedConstantKind.Error)))
                {
                    return Result(null);
                }

                if (_onnx is not null)
                {
                    return ParseOnnx(_onnx);
                }

                TypeSpec? typeSpec = ParseType();
                CheckSingleDeclaration();

                var inputs = _attributes.Where(a => Is(a, AttributeNames.Input)).ToList();
                var losses = _attributes.Where(a => Is(a, AttributeNames.Loss)).ToList();
                var layerAttributes = _attributes.Where(a => AttributeNames.Layers.Any(name => Is(a, name))).ToList();

                (int inputSize, Planes? planes) = ParseInput(inputs);
                LossKind loss = ParseLoss(losses);
                (bool isDouble, bool unrolled) = ParseOptions();
                _isDouble = isDouble;

                if (layerAttributes.Count == 0)
                {
                    Report(DiagnosticDescriptors.NoLayers, inputs.FirstOrDefault() ?? _attributes.First(), _type.Name);
                }

                var layers = new List<LayerSpec>();
                long offset = 0;
                int fanIn = inputSize;
                bool fanInKnown = inputSize >= 1;
                for (int i = 0; i < layerAttributes.Count; i++)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    AttributeData attribute = layerAttributes[i];
                    bool spatial = AttributeNames.Spatial.Any(name => Is(attribute, name));
                    LayerSpec? layer = spatial
                        ? ParseSpatialLayer(attribute, number: i + 1, fanInKnown ? planes : null, fanInKnown, (int)Math.Min(offset, int.MaxValue), fanIn, layerAttributes)
                        : ParseLayer(attribute, number: i + 1, isLast: i == layerAttributes.Count - 1, layerCount: layerAttributes.Count, fanIn, fanInKnown, (int)Math.Min(offset, int.MaxValue), unrolled, isDouble);
                    if (layer is null)
                    {
                        fanIn = 1; // keep checking later layers for their own errors, but not against a size that is unknown
                        fanInKnown = false;
                        continue;
                    }

                    fanInKnown = true;

                    // A convolution or pool gives channels-first planes; a layer normalisation keeps them; a dense or maxout
                    // layer flattens them.
                    planes = layer.Conv is { } conv
                        ? new Planes(conv.OutChannels, conv.OutHeight, conv.OutWidth, conv.Dimensions)
                        : layer.Kind == LayerKind.LayerNorm ? planes : null;

                    layers.Add(layer);
                    offset += layer.ParameterCount;
                    fanIn = layer.Units;
                }

                if (offset > MaxParameters)
                {
                    Report(DiagnosticDescriptors.TooManyParameters, layerAttributes.Last(), _type.Name, Int(offset), Int(MaxParameters));
                }

                if (!_failed && layers.Count > 0 && losses.Count > 0)
                {
                    CheckLossFitsOutput(loss, layers[layers.Count - 1], losses[0], layerAttributes.Last());
                }

                if (_int8)
                {
                    CheckInt8(isDouble, layers, layerAttributes);
                }

                if (_failed || typeSpec is null)
                {
                    return Result(null);
                }

                var network = new NetworkSpec(typeSpec, isDouble, unrolled, inputSize, new EquatableArray<LayerSpec>(layers), loss, Int8: _int8);
                return _weights is null ? Result(network) : ParseWeights(network, _weights);
            }

            /// <summary>NG0035: int8 inference is compiled for a float network baked from a weights file, of dense layers,
            /// convolutions and pools whose activations int8 computes (docs/quantization.md). Reported at the Inference argument, or at the layer.</summary>
            private void CheckInt8(bool isDouble, List<LayerSpec> layers, List<AttributeData> layerAttributes)
            {
                AttributeData options = _attributes.First(a => Is(a, AttributeNames.Network));
                Location? at = options.ApplicationSyntaxReference?.GetSyntax(_cancellationToken).GetLocation();
                if (_weights is null)
                {
                    Report(DiagnosticDescriptors.Int8Unsupported, at, _type.Name, "int8 inference is compiled from baked weights; add [Weights(\"file.json\")] (with a \"calibration\" section), or quantise this trainable network at run time with QuantizedNetwork.From(net, calibration)");
                    return;
                }

                if (isDouble)
                {
                    Report(DiagnosticDescriptors.Int8Unsupported, at, _type.Name, "int8 quantises a float network; remove Precision = Precision.Double");
                    return;
                }

                for (int i = 0; i < layers.Count; i++)
                {
                    LayerSpec layer = layers[i];
                    string? problem = Emitting.Int8Emitter.Unsupported(layer);
                    if (problem is not null)
                    {
                        AttributeData attribute = layer.Number - 1 < layerAttributes.Count ? layerAttributes[layer.Number - 1] : options;
                        Report(DiagnosticDescriptors.Int8Unsupported, attribute, _type.Name, $"layer {Int(layer.Number)} is {problem}, which int8 inference does not compute yet ({Emitting.Int8Emitter.Supported})");
                    }
                }
            }

            private ParseResult Result(NetworkSpec? network) => new(network, new EquatableArray<DiagnosticInfo>(_diagnostics));

            /// <summary>A baked network: the file is found and read later, in the pipeline step that sees AdditionalFiles.</summary>
            private ParseResult ParseWeights(NetworkSpec network, AttributeData weights)
            {
                Location? location = weights.ApplicationSyntaxReference?.GetSyntax(_cancellationToken).GetLocation();
                string path = weights.ConstructorArguments.Length == 1 && weights.ConstructorArguments[0].Value is string s ? s : string.Empty;
                // Plain string work: Path.GetDirectoryName throws on .NET Framework hosts for empty or over-long paths.
                string file = _declaration.SyntaxTree.FilePath ?? string.Empty;
                int separator = Math.Max(file.LastIndexOf('/'), file.LastIndexOf('\\'));
                string directory = separator < 0 ? string.Empty : file.Substring(0, separator);
                var request = new BakeRequest(network, path, directory);
                return new ParseResult(null, new EquatableArray<DiagnosticInfo>(_diagnostics), request, LocationOf(location));
            }

            /// <summary>An [OnnxModel] network: the declaration gives the type, loss and precision; the layers come later,
            /// from the converted model, in the pipeline step that sees AdditionalFiles.</summary>
            private ParseResult ParseOnnx(AttributeData onnx)
            {
                TypeSpec? typeSpec = ParseType();
                CheckSingleDeclaration();
                foreach (AttributeData attribute in _attributes)
                {
                    if (Is(attribute, AttributeNames.Input) || AttributeNames.Layers.Any(name => Is(attribute, name)) || Is(attribute, AttributeNames.Weights))
                    {
                        string name = attribute.AttributeClass!.Name;
                        Report(DiagnosticDescriptors.OnnxModelWithLayers, attribute, _type.Name, name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - 9) : name);
                    }
                }

                var losses = _attributes.Where(a => Is(a, AttributeNames.Loss)).ToList();
                LossKind loss = ParseLoss(losses);
                (bool isDouble, bool unrolled) = ParseOptions();
                string? calibration = onnx.NamedArguments.FirstOrDefault(a => a.Key == "Calibration").Value.Value as string;
                if (_int8)
                {
                    AttributeData options = _attributes.First(a => Is(a, AttributeNames.Network));
                    if (!_type.IsStatic)
                    {
                        Report(DiagnosticDescriptors.Int8Unsupported, options, _type.Name, "int8 inference is compiled for a static class (inference only); quantise this trainable network at run time with QuantizedNetwork.From(net, calibration)");
                    }
                    else if (isDouble)
                    {
                        Report(DiagnosticDescriptors.Int8Unsupported, options, _type.Name, "int8 quantises a float network; remove Precision = Precision.Double");
                    }
                    else if (string.IsNullOrWhiteSpace(calibration))
                    {
                        Report(DiagnosticDescriptors.Int8Unsupported, onnx, _type.Name, "an ONNX model carries no calibration; name a file of its layers' input ranges with [OnnxModel(\"model.onnx\", Calibration = \"calibration.json\")], which Calibration.Collect(net, samples).ToJson() writes for the trainable form of the model");
                    }
                }
                else if (!string.IsNullOrWhiteSpace(calibration))
                {
                    // A float network would silently ignore the file: say so where it is named.
                    Report(DiagnosticDescriptors.CalibrationUnused, onnx, _type.Name, calibration!);
                }

                if (unrolled)
                {
                    Report(DiagnosticDescriptors.OnnxModelUnsupported, _attributes.First(a => Is(a, AttributeNames.Network)), _type.Name, "the model", "imported networks use the vectorised kernels; remove Kernels = KernelStyle.UnrolledScalar");
                }

                if (_failed || typeSpec is null)
                {
                    return Result(null);
                }

                Location? location = onnx.ApplicationSyntaxReference?.GetSyntax(_cancellationToken).GetLocation();
                string path = onnx.ConstructorArguments.Length == 1 && onnx.ConstructorArguments[0].Value is string s ? s : string.Empty;
                var request = new OnnxRequest(typeSpec, _type.IsStatic, isDouble, loss, losses.Count > 0, path, SourceDirectory(), _int8, _int8 ? calibration : null);
                return new ParseResult(null, new EquatableArray<DiagnosticInfo>(_diagnostics), null, LocationOf(location), request);
            }

            /// <summary>The declaring file's directory. Plain string work: Path.GetDirectoryName throws on .NET Framework
            /// hosts for empty or over-long paths.</summary>
            private string SourceDirectory()
            {
                string file = _declaration.SyntaxTree.FilePath ?? string.Empty;
                int separator = Math.Max(file.LastIndexOf('/'), file.LastIndexOf('\\'));
                return separator < 0 ? string.Empty : file.Substring(0, separator);
            }

            private TypeSpec? ParseType()
            {
                Location identifier = _declaration.Identifier.GetLocation();
                if (_type.IsStatic && !Baked)
                {
                    Report(DiagnosticDescriptors.UnsupportedType, identifier, _type.Name, "static");
                }
                else if (_type.IsRefLikeType)
                {
                    Report(DiagnosticDescriptors.UnsupportedType, identifier, _type.Name, "a ref struct");
                }
                else if (_type.IsGenericType || ContainingTypes().Any(t => t.IsGenericType))
                {
                    Report(DiagnosticDescriptors.UnsupportedType, identifier, _type.Name, "generic or nested in a generic type");
                }

                var containing = new List<ContainingTypeSpec>();
                for (SyntaxNode? node = _declaration; node is not null; node = node.Parent)
                {
                    if (node is TypeDeclarationSyntax typeNode)
                    {
                        if (!typeNode.Modifiers.Any(SyntaxKind.PartialKeyword))
                        {
                            Report(DiagnosticDescriptors.NotPartial, typeNode.Identifier.GetLocation(), typeNode.Identifier.ValueText);
                        }

                        if (typeNode != _declaration)
                        {
                            containing.Insert(0, new ContainingTypeSpec(Keyword(typeNode), Escape(typeNode.Identifier.ValueText)));
                        }
                    }
                }

                CheckMemberNames();
                if (_failed)
                {
                    return null;
                }

                bool needsConstructor = _type.IsValueType && !_type.InstanceConstructors.Any(c => !c.IsImplicitlyDeclared);
                string? ns = _type.ContainingNamespace.IsGlobalNamespace
                    ? null
                    : string.Join(".", _type.ContainingNamespace.ToDisplayString().Split('.').Select(Escape));
                return new TypeSpec(
                    ns,
                    new EquatableArray<ContainingTypeSpec>(containing),
                    Keyword(_declaration),
                    Escape(_type.Name),
                    _type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                    needsConstructor);
            }

            /// <summary>Reports NG0020 for a member, or the type's own name, that the generated code would declare again.</summary>
            private void CheckMemberNames()
            {
                var generated = new HashSet<string>(Baked ? MemberNames.Baked : MemberNames.Trainable);
                if (_onnx is not null)
                {
                    generated.UnionWith(MemberNames.Imported);
                }

                foreach (ISymbol member in _type.GetMembers())
                {
                    if (generated.Contains(member.Name) && !member.IsImplicitlyDeclared)
                    {
                        Report(DiagnosticDescriptors.MemberNameClash, member.Locations.FirstOrDefault(l => l.IsInSource) ?? _declaration.Identifier.GetLocation(), _type.Name, member.Name);
                        return;
                    }
                }

                if (generated.Contains(_type.Name))
                {
                    Report(DiagnosticDescriptors.MemberNameClash, _declaration.Identifier.GetLocation(), _type.Name, _type.Name);
                }
            }

            /// <summary>A name as C# source: keywords get an @ (<c>@class</c>, <c>@event</c>).</summary>
            private static string Escape(string name) =>
                SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

            private IEnumerable<INamedTypeSymbol> ContainingTypes()
            {
                for (INamedTypeSymbol? t = _type.ContainingType; t is not null; t = t.ContainingType)
                {
                    yield return t;
                }
            }

            private static string Keyword(TypeDeclarationSyntax node) => node switch
            {
                RecordDeclarationSyntax r when r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
                RecordDeclarationSyntax => "record",
                StructDeclarationSyntax => "struct",
                InterfaceDeclarationSyntax => "interface",
                _ => "class",
            };

            private void CheckSingleDeclaration()
            {
                // The first attribute's declaration is the network's; any NetGen attribute elsewhere is an error.
                SyntaxTree? home = _declaration.SyntaxTree;
                foreach (AttributeData attribute in _attributes)
                {
                    SyntaxNode? syntax = attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken);
                    if (syntax is not null && (syntax.SyntaxTree != home || !_declaration.Span.Contains(syntax.Span)))
                    {
                        Report(DiagnosticDescriptors.SpreadOverPartials, attribute, _type.Name);
                        return;
                    }
                }
            }

            /// <summary>The input's size, and its channels-first shape when declared with two or three dimensions.</summary>
            private (int Size, Planes? Planes) ParseInput(List<AttributeData> inputs)
            {
                if (inputs.Count == 0)
                {
                    Report(DiagnosticDescriptors.MissingInput, _attributes.First(), _type.Name);
                    return (1, null);
                }

                if (inputs.Count > 1)
                {
                    Report(DiagnosticDescriptors.DuplicateInput, inputs[1], _type.Name, Int(inputs.Count));
                }

                AttributeData input = inputs[0];
                int count = input.ConstructorArguments.Length;
                string[] names = count == 3 ? new[] { "channels", "height", "width" } : count == 2 ? new[] { "channels", "length" } : new[] { "size" };
                long size = 1;
                for (int d = 0; d < count; d++)
                {
                    int value = IntArgument(input, d);
                    if (value < 1)
                    {
                        Report(DiagnosticDescriptors.InvalidSize, input, count == 1 ? "[Input] size" : $"The [Input] {names[d]}", Int(value));
                        return (1, null);
                    }

                    size *= value;
                }

                if (size > MaxParameters)
                {
                    Report(DiagnosticDescriptors.TooManyParameters, input, _type.Name, Int(size), Int(MaxParameters));
                    return (1, null);
                }

                return count switch
                {
                    3 => ((int)size, new Planes(IntArgument(input, 0), IntArgument(input, 1), IntArgument(input, 2), 2)),
                    2 => ((int)size, new Planes(IntArgument(input, 0), 1, IntArgument(input, 1), 1)),
                    _ => ((int)size, null),
                };
            }

            /// <summary>A convolution or a pool: its settings checked one by one, then its output shape computed and checked.</summary>
            private LayerSpec? ParseSpatialLayer(AttributeData attribute, int number, Planes? planes, bool fanInKnown, int offset, int fanIn, List<AttributeData> layers)
            {
                string name = ShortName(attribute);
                bool conv = Is(attribute, AttributeNames.Conv2D) || Is(attribute, AttributeNames.Conv1D);
                bool global = Is(attribute, AttributeNames.GlobalAvgPool);
                bool max = Is(attribute, AttributeNames.MaxPool2D) || Is(attribute, AttributeNames.MaxPool1D);
                int dimensions = global ? planes?.Dimensions ?? 2 : name.EndsWith("1D", StringComparison.Ordinal) ? 1 : 2;
                bool ok = true;

                void Require(bool condition, string setting, string rule, int value)
                {
                    if (!condition)
                    {
                        Report(DiagnosticDescriptors.ConvolutionParameterOutOfRange, attribute, setting, Int(number), name, rule, Int(value));
                        ok = false;
                    }
                }

                // One report per setting: per axis only where the axes differ.
                void RequireAxes(string setting, int height, int width, int minimum)
                {
                    string rule = $"at least {Int(minimum)}";
                    if (height == width)
                    {
                        Require(width >= minimum, setting, rule, width);
                        return;
                    }

                    Require(height >= minimum, setting + " (height)", rule, height);
                    Require(width >= minimum, setting + " (width)", rule, width);
                }

                // The settings, per axis: a 1-D layer is a 2-D one with one row.
                int filters = 0, kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, ph = 0, pw = 0, groups = 1, mode = 0;
                int activationValue = 0;
                if (conv)
                {
                    filters = NamedParameter(attribute, "filters", 0);
                    Require(filters >= 1, "filter count", "at least 1", filters);
                    activationValue = NamedParameter(attribute, "activation", 0);
                    if (dimensions == 2)
                    {
                        kh = NamedParameter(attribute, "kernel", 0) is var k && k != 0 ? k : NamedParameter(attribute, "kernelHeight", 0);
                        kw = NamedParameter(attribute, "kernel", 0) is var k2 && k2 != 0 ? k2 : NamedParameter(attribute, "kernelWidth", 0);
                        RequireAxes("kernel", kh, kw, 1);
                        int stride = NamedInt(attribute, "Stride", 1), dilation = NamedInt(attribute, "Dilation", 1), padding = NamedInt(attribute, "Padding", 0);
                        sh = NamedInt(attribute, "StrideHeight", stride);
                        sw = NamedInt(attribute, "StrideWidth", stride);
                        dh = NamedInt(attribute, "DilationHeight", dilation);
                        dw = NamedInt(attribute, "DilationWidth", dilation);
                        ph = NamedInt(attribute, "PaddingHeight", padding);
                        pw = NamedInt(attribute, "PaddingWidth", padding);
                    }
                    else
                    {
                        kw = NamedParameter(attribute, "kernel", 0);
                        Require(kw >= 1, "kernel", "at least 1", kw);
                        sw = NamedInt(attribute, "Stride", 1);
                        dw = NamedInt(attribute, "Dilation", 1);
                        pw = NamedInt(attribute, "Padding", 0);
                    }

                    RequireAxes("stride", sh, sw, 1);
                    RequireAxes("dilation", dh, dw, 1);
                    RequireAxes("padding", ph, pw, 0);
                    mode = NamedInt(attribute, "PaddingMode", 0);
                    if (mode is not (0 or 1 or 2))
                    {
                        Report(DiagnosticDescriptors.UnknownEnumValue, attribute, $"The padding mode of layer {number}", Int(mode), "PaddingMode");
                        ok = false;
                    }
                    else if (mode == 2 && dimensions == 2)
                    {
                        Report(DiagnosticDescriptors.ConvolutionParameterOutOfRange, attribute, "padding mode", Int(number), name, "Explicit or Same (Causal is for [Conv1D])", "Causal");
                        ok = false;
                    }

                    groups = NamedInt(attribute, "Groups", 1);
                    Require(groups >= 1, "group count", "at least 1", groups);
                    if (groups >= 1 && filters >= 1 && filters % groups != 0)
                    {
                        Report(DiagnosticDescriptors.ConvolutionParameterOutOfRange, attribute, "group count", Int(number), name, $"a divisor of its {Int(filters)} filters", Int(groups));
                        ok = false;
                    }

                    else if (groups >= 1 && planes is { } p && p.Channels % groups != 0)
                    {
                        Report(DiagnosticDescriptors.ConvolutionParameterOutOfRange, attribute, "group count", Int(number), name, $"a divisor of its {Int(p.Channels)} input channels", Int(groups));
                        ok = false;
                    }
                }
                else if (!global)
                {
                    int size = IntArgument(attribute, 0);
                    Require(size >= 1, "window size", "at least 1", size);
                    if (size < 1)
                    {
                        return null;
                    }

                    int stride = NamedInt(attribute, "Stride", 0);
                    if (stride == 0)
                    {
                        stride = size; // PyTorch's default: non-overlapping windows
                    }

                    Require(stride >= 1, "stride", "at least 1", stride);
                    int padding = NamedInt(attribute, "Padding", 0);
                    Require(padding >= 0 && padding <= size / 2, "padding", $"from 0 to half the window ({Int(Math.Max(0, size / 2))})", padding);
                    (kw, sw, pw) = (size, stride, padding);
                    (kh, sh, ph) = dimensions == 2 ? (size, stride, padding) : (1, 1, 0);
                }

                var activation = ActivationKind.Identity;
                double alpha = 0;
                if (conv)
                {
                    if (!Enum.IsDefined(typeof(ActivationKind), activationValue))
                    {
                        Report(DiagnosticDescriptors.UnknownEnumValue, attribute, $"The activation of layer {number}", Int(activationValue), "Activation");
                        return null;
                    }

                    activation = (ActivationKind)activationValue;
                    alpha = ParseAlpha(attribute, activation, isMaxout: false, ref ok);
                }

                // The input must be channels-first planes of the layer's dimension.
                string needs = dimensions == 2 ? "C x H x W (channels, height, width)" : "C x L (channels, length)";
                if (!fanInKnown)
                {
                    return null;
                }

                if (planes is null || (!global && planes.Dimensions != dimensions))
                {
                    string from = planes is { } q
                        ? $"{Describe(q)} from {(number == 1 ? "[Input]" : $"layer {Int(number - 1)}'s [{ShortName(layers[number - 2])}]")}"
                        : $"a flat vector of {Int(fanIn)} values from {(number == 1 ? "[Input(size)]" : $"layer {Int(number - 1)}'s [{ShortName(layers[number - 2])}]")}";
                    Report(DiagnosticDescriptors.ConvolutionNeedsSpatialInput, attribute, Int(number), name, needs, from);
                    return null;
                }

                if (conv && activation == ActivationKind.Softmax)
                {
                    Report(DiagnosticDescriptors.SoftmaxOnConvolution, attribute, Int(number), name, $"{Int(filters)} channels of {(dimensions == 2 ? "H x W" : "L")} positions");
                    ok = false;
                }

                if (!ok)
                {
                    return null;
                }

                Planes input = planes;
                if (global)
                {
                    (kh, kw, sh, sw) = (input.Height, input.Width, 1, 1);
                }

                // Padding: explicit on both sides, ONNX's SAME_UPPER (the extra zero at the end), or causal (all before).
                int pt = ph, pb = ph, pl = pw, pr = pw;
                if (mode == 1)
                {
                    (pt, pb) = ConvolutionGeometry.Same(input.Height, kh, sh, dh);
                    (pl, pr) = ConvolutionGeometry.Same(input.Width, kw, sw, dw);
                }
                else if (mode == 2)
                {
                    (pl, pr) = ((int)Math.Min((long)dw * (kw - 1), int.MaxValue), 0);
                }

                bool ceil = !conv && !global && NamedBool(attribute, "CeilMode", false);
                int outHeight = ConvolutionGeometry.OutputSize(input.Height, kh, sh, dh, pt, pb, ceil);
                int outWidth = ConvolutionGeometry.OutputSize(input.Width, kw, sw, dw, pl, pr, ceil);
                int outChannels = conv ? filters : input.Channels;
                if (outHeight < 1 || outWidth < 1)
                {
                    string window = dimensions == 2 ? $"{Int(((kh - 1) * dh) + 1)} x {Int(((kw - 1) * dw) + 1)}" : Int(((kw - 1) * dw) + 1);
                    string padded = dimensions == 2 ? $"{Int((long)input.Height + pt + pb)} x {Int((long)input.Width + pl + pr)}" : Int((long)input.Width + pl + pr);
                    Report(DiagnosticDescriptors.ConvolutionLeavesNothing, attribute, Int(number), name, Describe(input), Describe(new Planes(outChannels, Math.Max(0, outHeight), Math.Max(0, outWidth), dimensions)), $"{window} against a padded input of {padded}");
                    return null;
                }

                // Sizes in long, each factor bounded first, so that no product can wrap past the check: the outputs, the
                // weights, and the im2col workspace (two matrices of taps x positions per thread).
                long positions = Bounded(outHeight, outWidth);
                long units = Bounded(outChannels, positions);
                long taps = Bounded(input.Channels / Math.Max(1, groups), Bounded(kh, kw));
                long parameters = conv ? Bounded(outChannels, taps) + outChannels : 0;
                long workspace = conv ? Bounded(2, Bounded(taps, positions)) : 0;
                if (units > MaxParameters || parameters > MaxParameters || workspace > MaxParameters)
                {
                    Report(DiagnosticDescriptors.TooManyParameters, attribute, _type.Name, Int(Math.Max(units, Math.Max(parameters, workspace))), Int(MaxParameters));
                    return null;
                }

                var geometry = new ConvSpec(
                    dimensions, input.Channels, input.Height, input.Width, outChannels, outHeight, outWidth, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, groups,
                    Global: global,
                    CountIncludePad: !global && NamedBool(attribute, "CountIncludePad", true),
                    CeilMode: ceil,
                    Padding: mode == 1 ? "same" : mode == 2 ? "causal" : "explicit");
                LayerKind kind = conv ? LayerKind.Convolution : max ? LayerKind.MaxPool : LayerKind.AvgPool;
                bool hasBias = conv && NamedBool(attribute, "Bias", true);
                return new LayerSpec(number, kind, input.Size, (int)units, 1, activation, alpha, offset, hasBias, Conv: geometry);
            }

            /// <summary>a x b, or <see cref="MaxParameters"/> + 1 once it passes that: a size check's product that cannot wrap.</summary>
            private static long Bounded(long a, long b) =>
                a > MaxParameters || b > MaxParameters || a * b > MaxParameters ? MaxParameters + 1 : a * b;

            private static string Describe(Planes planes) => planes.Dimensions == 2
                ? $"{Int(planes.Channels)} x {Int(planes.Height)} x {Int(planes.Width)}"
                : $"{Int(planes.Channels)} x {Int(planes.Width)}";

            private static string ShortName(AttributeData attribute)
            {
                string name = attribute.AttributeClass?.Name ?? "?";
                return name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - 9) : name;
            }

            /// <summary>A constructor argument by its parameter's name (the constructors of [Conv2D] differ in arity).</summary>
            private static int NamedParameter(AttributeData attribute, string parameter, int fallback)
            {
                IMethodSymbol? constructor = attribute.AttributeConstructor;
                if (constructor is null)
                {
                    return fallback;
                }

                for (int i = 0; i < constructor.Parameters.Length && i < attribute.ConstructorArguments.Length; i++)
                {
                    if (constructor.Parameters[i].Name == parameter && attribute.ConstructorArguments[i].Value is int value)
                    {
                        return value;
                    }
                }

                return fallback;
            }

            private LossKind ParseLoss(List<AttributeData> losses)
            {
                if (losses.Count == 0)
                {
                    if (Baked)
                    {
                        return LossKind.MeanSquaredError; // an inference-only network needs no loss
                    }

                    Report(DiagnosticDescriptors.MissingLoss, _attributes.First(), _type.Name);
                    return LossKind.MeanSquaredError;
                }

                if (losses.Count > 1)
                {
                    Report(DiagnosticDescriptors.DuplicateLoss, losses[1], _type.Name, Int(losses.Count));
                }

                int value = IntArgument(losses[0], 0);
                if (!Enum.IsDefined(typeof(LossKind), value))
                {
                    Report(DiagnosticDescriptors.UnknownEnumValue, losses[0], "The loss", Int(value), "LossFunction");
                    return LossKind.MeanSquaredError;
                }

                return (LossKind)value;
            }

            private (bool IsDouble, bool Unrolled) ParseOptions()
            {
                AttributeData? options = _attributes.FirstOrDefault(a => Is(a, AttributeNames.Network));
                if (options is null)
                {
                    return (false, false);
                }

                int precision = NamedInt(options, "Precision", 0);
                int kernels = NamedInt(options, "Kernels", 0);
                int inference = NamedInt(options, "Inference", 0);
                if (inference is not (0 or 1))
                {
                    Report(DiagnosticDescriptors.UnknownEnumValue, options, "Inference", Int(inference), "Inference");
                }

                _int8 = inference == 1;
                if (precision is not (0 or 1))
                {
                    Report(DiagnosticDescriptors.UnknownEnumValue, options, "Precision", Int(precision), "Precision");
                }

                if (kernels is not (0 or 1))
                {
                    Report(DiagnosticDescriptors.UnknownEnumValue, options, "Kernels", Int(kernels), "KernelStyle");
                }

                return (precision == 1, kernels == 1);
            }

            private LayerSpec? ParseLayer(AttributeData attribute, int number, bool isLast, int layerCount, int fanIn, bool fanInKnown, int offset, bool unrolled, bool isDouble)
            {
                bool isMaxout = Is(attribute, AttributeNames.Maxout);
                bool isLayerNorm = Is(attribute, AttributeNames.LayerNorm);
                int units = isLayerNorm ? fanIn : IntArgument(attribute, 0);
                int pieces = isMaxout ? IntArgument(attribute, 1) : 1;
                int activationValue = isMaxout ? 0 : isLayerNorm ? NamedInt(attribute, "Activation", 0) : IntArgument(attribute, 1);
                bool ok = true;
                double epsilon = isLayerNorm ? NamedDouble(attribute, "Epsilon", 1e-5) : 0.0;
                if (isLayerNorm && !(epsilon > 0.0 && epsilon <= 1.0 && (isDouble || (float)epsilon > 0f)))
                {
                    Report(DiagnosticDescriptors.EpsilonOutOfRange, attribute, Int(number), Real(epsilon));
                    ok = false;
                }

                int normalizedSize = isLayerNorm ? NamedInt(attribute, "NormalizedSize", 0) : 0;
                if (isLayerNorm && normalizedSize == 0)
                {
                    normalizedSize = fanIn;
                }

                if (isLayerNorm && (normalizedSize < 1 || (fanInKnown && fanIn % normalizedSize != 0)))
                {
                    Report(DiagnosticDescriptors.NormalizedSizeDoesNotDivide, attribute, Int(number), Int(fanIn), Int(normalizedSize));
                    ok = false;
                }

                if (units < 1)
                {
                    Report(DiagnosticDescriptors.InvalidSize, attribute, $"The unit count of layer {number}", Int(units));
                    ok = false;
                }

                if (isMaxout && pieces < 2)
                {
                    Report(DiagnosticDescriptors.InvalidPieces, attribute, Int(pieces));
                    ok = false;
                }

                if (!Enum.IsDefined(typeof(ActivationKind), activationValue))
                {
                    Report(DiagnosticDescriptors.UnknownEnumValue, attribute, $"The activation of layer {number}", Int(activationValue), "Activation");
                    return null;
                }

                var activation = (ActivationKind)activationValue;
                if (activation == ActivationKind.Softmax && !isLast)
                {
                    Report(DiagnosticDescriptors.SoftmaxNotLast, attribute, Int(number), Int(layerCount));
                    ok = false;
                }

                double alpha = ParseAlpha(attribute, activation, isMaxout, ref ok);
                if (!ok)
                {
                    return null;
                }

                long weights = isLayerNorm ? normalizedSize : (long)fanIn * units * pieces;
                if (unrolled && weights > MaxUnrolledWeightsPerLayer)
                {
                    Report(DiagnosticDescriptors.UnrolledTooLarge, attribute, Int(number), Int(weights), Int(MaxUnrolledWeightsPerLayer));
                    return null;
                }

                if (weights + (long)units * pieces > MaxParameters)
                {
                    Report(DiagnosticDescriptors.TooManyParameters, attribute, _type.Name, Int(weights + ((long)units * pieces)), Int(MaxParameters));
                    return null;
                }

                bool hasBias = isMaxout || isLayerNorm || NamedBool(attribute, "Bias", true);
                LayerKind kind = isMaxout ? LayerKind.Maxout : isLayerNorm ? LayerKind.LayerNorm : LayerKind.Dense;
                return new LayerSpec(number, kind, fanIn, units, pieces, activation, alpha, offset, hasBias, epsilon, normalizedSize);
            }

            private double ParseAlpha(AttributeData attribute, ActivationKind activation, bool isMaxout, ref bool ok)
            {
                double defaultAlpha = activation switch
                {
                    ActivationKind.LeakyReLU => 0.01,
                    ActivationKind.ELU => 1.0,
                    ActivationKind.PReLU => 0.25,
                    _ => 0.0,
                };
                if (isMaxout)
                {
                    return 0.0;
                }

                TypedConstant? named = attribute.NamedArguments.Where(n => n.Key == "Alpha").Select(n => (TypedConstant?)n.Value).FirstOrDefault();
                if (named is null || named.Value.Value is not double alpha)
                {
                    return defaultAlpha;
                }

                string text = Real(alpha);
                switch (activation)
                {
                    case ActivationKind.LeakyReLU when !(alpha >= 0.0 && alpha < 1.0):
                        Report(DiagnosticDescriptors.AlphaOutOfRange, attribute, "LeakyReLU", "in [0, 1)", text);
                        ok = false;
                        break;
                    case ActivationKind.ELU when !(alpha > 0.0 && alpha <= 100.0):
                        Report(DiagnosticDescriptors.AlphaOutOfRange, attribute, "ELU", "in (0, 100]", text);
                        ok = false;
                        break;
                    case ActivationKind.PReLU when double.IsNaN(alpha) || double.IsInfinity(alpha) || (!_isDouble && float.IsInfinity((float)alpha)):
                        Report(DiagnosticDescriptors.AlphaOutOfRange, attribute, "PReLU", _isDouble ? "finite (the slopes' starting value)" : "finite in float (the slopes' starting value)", text);
                        ok = false;
                        break;
                    case ActivationKind.LeakyReLU:
                    case ActivationKind.ELU:
                    case ActivationKind.PReLU:
                        return alpha;
                    default:
                        Report(DiagnosticDescriptors.AlphaUnused, attribute, activation.ToString());
                        break;
                }

                return defaultAlpha;
            }

            private void CheckLossFitsOutput(LossKind loss, LayerSpec output, AttributeData lossAttribute, AttributeData outputAttribute)
            {
                string outputName = output.Kind == LayerKind.Maxout ? "Maxout" : output.Activation.ToString();
                switch (loss)
                {
                    case LossKind.CrossEntropy when output.Kind == LayerKind.Maxout || output.Activation != ActivationKind.Softmax:
                        Report(DiagnosticDescriptors.CrossEntropyNeedsSoftmax, lossAttribute, outputName);
                        break;
                    case LossKind.BinaryCrossEntropy when output.Kind == LayerKind.Maxout || output.Activation != ActivationKind.Sigmoid:
                        Report(DiagnosticDescriptors.BinaryCrossEntropyNeedsSigmoid, lossAttribute, outputName);
                        break;
                    case LossKind.MeanSquaredError when output.Activation == ActivationKind.Softmax:
                        Report(DiagnosticDescriptors.SoftmaxWithMeanSquaredError, outputAttribute);
                        break;
                }
            }

            private static bool Is(AttributeData attribute, string name) => attribute.AttributeClass?.ToDisplayString() == name;

            private static int IntArgument(AttributeData attribute, int index) =>
                index < attribute.ConstructorArguments.Length && attribute.ConstructorArguments[index].Value is int value ? value : 0;

            private static bool NamedBool(AttributeData attribute, string name, bool fallback) =>
                attribute.NamedArguments.Where(n => n.Key == name).Select(n => n.Value.Value).OfType<bool>().DefaultIfEmpty(fallback).First();

            private static double NamedDouble(AttributeData attribute, string name, double fallback) =>
                attribute.NamedArguments.Where(n => n.Key == name).Select(n => n.Value.Value).OfType<double>().DefaultIfEmpty(fallback).First();

            private static int NamedInt(AttributeData attribute, string name, int fallback) =>
                attribute.NamedArguments.Where(n => n.Key == name).Select(n => n.Value.Value).OfType<int>().DefaultIfEmpty(fallback).First();

            private void Report(DiagnosticDescriptor descriptor, AttributeData attribute, params string[] arguments) =>
                Report(descriptor, attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken).GetLocation(), arguments);

            private void Report(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
            {
                _failed |= descriptor.DefaultSeverity == DiagnosticSeverity.Error;
                _diagnostics.Add(new DiagnosticInfo(descriptor.Id, LocationOf(location), new EquatableArray<string>(arguments)));
            }
        }
    }
}
