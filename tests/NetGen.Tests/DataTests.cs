using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using NetGen.Data;

namespace NetGen.Tests;

/// <summary>Loaders read what they should and refuse malformed input, naming the file, line and column.</summary>
public sealed class DataTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-data-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Csv_ReadsFeaturesAndOneHotTargets_SkippingRowNamesAndQuotes()
    {
        string path = Write("rows.csv", "\"a\",\"b\",\"label\"\n\"1\",0.5,\"2\",1\n\"2\",-1,3e2,0\n");
        Dataset<float> data = CsvLoader.Load<float>(path, new CsvOptions { Classes = 2 });
        Assert.Equal(2, data.Count);
        Assert.Equal([0.5f, 2f, -1f, 300f], data.Inputs);
        Assert.Equal([0f, 1f, 1f, 0f], data.Targets);
    }

    [Theory]
    [InlineData("a,b,c\n1,2,3\n4,x,6\n", "line 3, column 2", "'x' ('b') is not a finite number")]
    [InlineData("a,b,c\n1,2,3\n4,5\n", "line 3", "expected 3 fields, but the line has 2")]
    [InlineData("a,b,c\n1,2,3\n4,5,NaN\n", "line 3, column 3", "'NaN' ('c') is not a finite number")]
    public void Csv_Malformed_ThrowsNamingFileLineAndColumn(string text, string where, string what)
    {
        string path = Write("bad.csv", text);
        var e = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(path));
        Assert.StartsWith("bad.csv, " + where + ":", e.Message, StringComparison.Ordinal);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_AClassLabelOutOfRange_IsRefused()
    {
        string path = Write("labels.csv", "x,y\n1,0\n2,10\n");
        var e = Assert.Throws<DataFormatException>(() => CsvLoader.Load<float>(path, new CsvOptions { Classes = 10 }));
        Assert.Equal(3, e.Line);
        Assert.Equal(2, e.Column);
    }

    [Fact]
    public void Idx_AHeaderClaimingMoreThanTheFileHolds_IsRefusedBeforeAllocating()
    {
        byte[] header = [0, 0, 8, 3, 0x80, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]; // 2^31 images of 28x28, then nothing
        string path = Path.Combine(_folder, "images.gz");
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gzip.Write(header);
        }

        var e = Assert.Throws<DataFormatException>(() => IdxLoader.Read(path, 2051, 3));
        Assert.Contains("claims 2147483648 items of 784 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_IsSeededAndKeepsEveryRowOnce()
    {
        var data = new Dataset<double>(Enumerable.Range(0, 100).Select(i => (double)i).ToArray(), 1, new double[100], 1);
        Dataset<double>[] a = data.Split(4, 0.7, 0.2), b = data.Split(4, 0.7, 0.2);
        Assert.Equal([70, 20, 10], a.Select(p => p.Count));
        Assert.Equal(a[0].Inputs, b[0].Inputs);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (double)i), a.SelectMany(p => p.Inputs).Order());
        Assert.NotEqual(data.Split(5, 0.7, 0.2)[0].Inputs, a[0].Inputs);
    }

    [Fact]
    public void Standardizer_FitsTheTrainingSetOnly()
    {
        var train = new Dataset<double>([1, 10, 3, 30], 2, [0, 0], 1);
        var test = new Dataset<double>([5, 50], 2, [0], 1);
        Standardizer s = Standardizer.Fit(train);
        Assert.Equal([2.0, 20.0], s.Mean);
        Assert.Equal([1.0, 10.0], s.StandardDeviation);
        s.Apply(test);
        Assert.Equal([3.0, 3.0], test.Inputs);
    }
}
