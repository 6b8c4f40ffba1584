using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using NetGen.Onnx;

namespace NetGen.Tasks
{
    /// <summary>Converts ONNX models into NetGen's weights JSON for the generator. A model that cannot be compiled still
    /// gets a file, <c>"format": "netgen-import-error"</c> with the reason, so that the error is reported where the
    /// model is used: as NG0026 at its <c>[OnnxModel]</c> attribute, with the node named.</summary>
    public sealed class ConvertNetGenModels : Task
    {
        /// <summary>The models; each has <c>NetGenConverted</c> metadata, the path of the JSON to write.</summary>
        [Required]
        public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>Converts every model.</summary>
        public override bool Execute()
        {
            foreach (IGrouping<string, ITaskItem> clash in Models.GroupBy(m => m.GetMetadata("NetGenConverted"), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                Log.LogError($"NetGen: the NetGenModel items {string.Join(" and ", clash.Select(m => m.ItemSpec))} have the same file name; rename one (their converted forms would both be {clash.Key}).");
            }

            if (Log.HasLoggedErrors)
            {
                return false;
            }

            foreach (ITaskItem model in Models)
            {
                string source = model.GetMetadata("FullPath");
                string output = model.GetMetadata("NetGenConverted");
                var watch = System.Diagnostics.Stopwatch.StartNew();
                try
                {
                    ImportedNetwork network = OnnxImporter.Import(OnnxModel.Load(source));
                    WeightsJsonWriter.WriteFile(network, Path.GetFileName(source), output);
                    Log.LogMessage(MessageImportance.Normal, $"NetGen: {model.ItemSpec}: {network.Layers.Count} layers, converted in {watch.ElapsedMilliseconds} ms to {output}");
                }
                catch (Exception e) when (e is OnnxFormatException or OnnxImportException or IOException or UnauthorizedAccessException)
                {
                    string reason = e is OnnxFormatException ? "the file is not a well-formed ONNX model: " + e.Message
                        : e is OnnxImportException ? e.Message
                        : "it could not be read: " + e.Message;
                    WriteError(output, reason);
                    Log.LogMessage(MessageImportance.High, $"NetGen: {model.ItemSpec} cannot be compiled: {reason}");
                }
            }

            return !Log.HasLoggedErrors;
        }

        private static void WriteError(string output, string reason)
        {
            var json = new StringBuilder("{\n  \"format\": \"netgen-import-error\",\n  \"message\": \"");
            foreach (char c in reason)
            {
                json.Append(c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    _ when c < ' ' => " ",
                    _ => c.ToString(),
                });
            }

            json.Append("\"\n}\n");
            File.WriteAllText(output, json.ToString(), new UTF8Encoding(false));
        }
    }
}
