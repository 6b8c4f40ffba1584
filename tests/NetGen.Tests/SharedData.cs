using System;
using System.IO;

namespace NetGen.Tests;

/// <summary>The real data sets in ../shared/data beside the project root; tests that need them skip when it is absent.</summary>
internal static class SharedData
{
    public static string Folder
    {
        get
        {
            string? directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "NetGen.sln")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            return Path.GetFullPath(Path.Combine(directory ?? ".", "..", "shared", "data"));
        }
    }

    public static string PathOf(string relative)
    {
        string path = Path.Combine(Folder, relative);
        Skip.IfNot(File.Exists(path), $"{path} is absent: the real-data tests need ../shared/data beside the project root.");
        return path;
    }
}
