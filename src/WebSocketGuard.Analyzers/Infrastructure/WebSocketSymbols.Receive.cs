using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Analyzers;

/// <summary>Types the receive-loop rules (WSG1007, WSG1008, WSG1009, WSG1013) compare against.</summary>
internal sealed partial class WebSocketSymbols
{
    public INamedTypeSymbol? Encoding => Type("System.Text.Encoding");
    public INamedTypeSymbol? Decoder => Type("System.Text.Decoder");
    public INamedTypeSymbol? StringBuilder => Type("System.Text.StringBuilder");
    public INamedTypeSymbol? MemoryStream => Type("System.IO.MemoryStream");
    public INamedTypeSymbol? Stream => Type("System.IO.Stream");
    public INamedTypeSymbol? GenericList => Type("System.Collections.Generic.List`1");
    public INamedTypeSymbol? ArrayBufferWriter => Type("System.Buffers.ArrayBufferWriter`1");
    public INamedTypeSymbol? BufferWriterInterface => Type("System.Buffers.IBufferWriter`1");
    public INamedTypeSymbol? BuffersExtensions => Type("System.Buffers.BuffersExtensions");
    public INamedTypeSymbol? ArraySegment => Type("System.ArraySegment`1");
    public INamedTypeSymbol? Memory => Type("System.Memory`1");
    public INamedTypeSymbol? MemoryExtensions => Type("System.MemoryExtensions");
    public INamedTypeSymbol? SystemArray => Type("System.Array");
    public INamedTypeSymbol? SystemBuffer => Type("System.Buffer");
    public INamedTypeSymbol? JsonSerializer => Type("System.Text.Json.JsonSerializer");
    public INamedTypeSymbol? JsonDocument => Type("System.Text.Json.JsonDocument");
    public INamedTypeSymbol? JsonNode => Type("System.Text.Json.Nodes.JsonNode");
    public INamedTypeSymbol? NewtonsoftJsonConvert => Type("Newtonsoft.Json.JsonConvert");
    public INamedTypeSymbol? MessagePackSerializer => Type("MessagePack.MessagePackSerializer");
    public INamedTypeSymbol? HttpListenerWebSocketContext => Type("System.Net.WebSockets.HttpListenerWebSocketContext");
    public INamedTypeSymbol? BitConverter => Type("System.BitConverter");
    public INamedTypeSymbol? BinaryPrimitives => Type("System.Buffers.Binary.BinaryPrimitives");
    public INamedTypeSymbol? Convert => Type("System.Convert");
    public INamedTypeSymbol? Console => Type("System.Console");
    public INamedTypeSymbol? ReadOnlyMemory => Type("System.ReadOnlyMemory`1");
    public INamedTypeSymbol? MemoryMarshal => Type("System.Runtime.InteropServices.MemoryMarshal");
    public INamedTypeSymbol? Span => Type("System.Span`1");
    public INamedTypeSymbol? ReadOnlySpan => Type("System.ReadOnlySpan`1");
}
