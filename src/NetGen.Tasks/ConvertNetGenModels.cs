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
            foreach (ITaskItem model in Models)
            {
                string source = model.GetMetadata("FullPath");
                string output = model.GetMetadata("NetGenConverted");
                var watch = System.Diagnostics.Stopwatch.StartNew();
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(source);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Perhaps passing (an exporter still writing the file): no converted file, so the next build tries again.
                    File.Delete(output);
                    Log.LogError($"NetGen: {model.ItemSpec} could not be read: {e.Message}");
                    continue;
                }

                try
                {
                    ImportedNetwork network = OnnxImporter.Import(OnnxModel.Parse(bytes));
                    WeightsJsonWriter.WriteFile(network, Path.GetFileName(source), output, source);
                    string kinds = string.Join(", ", network.Layers.Select(l => l.TypeName));
                    Log.LogMessage(MessageImportance.Normal, $"NetGen: {model.ItemSpec}: {network.Layers.Count} layers ({kinds}), converted in {watch.ElapsedMilliseconds} ms to {output}");
                }
                catch (Exception e)
                {
                    // Never a task failure: the reason goes into the converted file, and the generator reports it as NG0026 at
                    // the [OnnxModel] attribute that uses the model. An exception other than the importer's two is a NetGen
                    // bug; it is reported the same way, with its type.
                    string reason = e is OnnxFormatException ? "the file is not a well-formed ONNX model: " + e.Message
                        : e is OnnxImportException ? e.Message
                        : $"NetGen's converter failed ({e.GetType().Name}: {e.Message}); please report this with the model";
                    WriteError(output, source, reason);
                    Log.LogMessage(MessageImportance.High, $"NetGen: {model.ItemSpec} cannot be compiled: {reason}");
                }
            }

            return !Log.HasLoggedErrors;
        }

        private static void WriteError(string output, string model, string reason) =>
            File.WriteAllText(
                output,
                "{\n  \"format\": \"netgen-import-error\",\n  \"model\": " + WeightsJsonWriter.Quote(model) + ",\n  \"message\": " + WeightsJsonWriter.Quote(reason) + "\n}\n",
                new UTF8Encoding(false));
    }
}
