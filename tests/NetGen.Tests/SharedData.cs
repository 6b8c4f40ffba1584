using System;
using System.IO;

namespace NetGen.Tests;

/// <summary>The real data sets in ../shared/data beside the project root; tests that need them skip when it is absent.</summary>
internal static class SharedData
{
    /// <summary>The folder holding NetGen.sln, above the test binary.</summary>
    public static string Repository
    {
        get
        {
            string? directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "NetGen.sln")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            return directory ?? throw new InvalidOperationException("NetGen.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Folder => Path.GetFullPath(Path.Combine(Repository, "..", "shared", "data"));

    public static string PathOf(string relative)
    {
        string path = Path.Combine(Folder, relative);
        Skip.IfNot(File.Exists(path), $"{path} is absent: the real-data tests need ../shared/data beside the project root.");
        return path;
    }
}
