using System.Reflection;

namespace MaskStream.Testing;

/// <summary>
/// The repository the tests were built from. Taken from an assembly attribute written by
/// Directory.Build.props, because CI builds map source paths to <c>/_/</c> (deterministic builds),
/// which makes <c>[CallerFilePath]</c> useless for finding files such as tools/model/*.py.
/// </summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var fromBuild = typeof(RepositoryRoot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (fromBuild is not null && File.Exists(System.IO.Path.Combine(fromBuild, "MaskStream.slnx")))
            return System.IO.Path.GetFullPath(fromBuild);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "MaskStream.slnx")))
                return dir.FullName;
        throw new DirectoryNotFoundException(
            $"cannot find the repository (MaskStream.slnx) from the build-time path '{fromBuild}' or from {AppContext.BaseDirectory}");
    }
}
