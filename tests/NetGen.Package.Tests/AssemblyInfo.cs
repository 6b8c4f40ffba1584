// These tests run dotnet pack and dotnet publish on the same projects: concurrent builds would race on obj/.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
