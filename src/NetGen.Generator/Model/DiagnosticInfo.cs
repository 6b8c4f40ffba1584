namespace NetGen.Generator.Model
{
    /// <summary>A source location as plain data, so parse results stay equatable without holding a syntax tree.</summary>
    internal sealed record LocationInfo(
        string FilePath,
        int Start,
        int Length,
        int StartLine,
        int StartCharacter,
        int EndLine,
        int EndCharacter);

    /// <summary>A diagnostic to report: the descriptor's ID, where, and the message arguments.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments);

    /// <summary>What parsing one network type yields: the model when code can be generated, and the diagnostics.</summary>
    internal sealed record ParseResult(NetworkSpec? Network, EquatableArray<DiagnosticInfo> Diagnostics);
}
