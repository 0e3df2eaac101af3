namespace MaskStream.Service.Configuration;

/// <summary>A bad configuration value: the message names the key, the value and what is allowed.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(string key, string? value, string allowed)
        : base($"{key} = {(value is null ? "(missing)" : $"'{value}'")}: {allowed}")
    {
        Key = key;
    }

    /// <summary>A line already written as <c>Key = value: allowed</c> (the options records' own validators).</summary>
    public ConfigurationException(string key, string line) : base(line)
    {
        Key = key;
    }

    public string Key { get; }
}
