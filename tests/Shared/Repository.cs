using System;
using System.IO;

namespace NetGen.TestSupport;

/// <summary>The repository, found above the test binary (compiled into each test project that needs it).</summary>
internal static class Repository
{
    /// <summary>The folder holding NetGen.sln.</summary>
    public static string Root
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
}
