namespace MaskStream.Service.Configuration;

/// <summary>A bad configuration value: the message names the key, the value and what is allowed.</summary>
public sealed class ConfigurationException(string key, string? value, string allowed)
    : Exception($"{key} = {(value is null ? "(missing)" : $"'{value}'")}: {allowed}")
{
    public string Key { get; } = key;
}
