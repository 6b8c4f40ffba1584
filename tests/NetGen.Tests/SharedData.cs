using System.IO;
using NetGen.TestSupport;

namespace NetGen.Tests;

/// <summary>The real data sets in ../shared/data beside the project root; tests that need them skip when it is absent.</summary>
internal static class SharedData
{
    public static string Folder => Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "data"));

    public static string PathOf(string relative)
    {
        string path = Path.Combine(Folder, relative);
        Skip.IfNot(File.Exists(path), $"{path} is absent: the real-data tests need ../shared/data beside the project root.");
        return path;
    }
}
