using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Text;

namespace WebSocketGuard.AspNetCore;

/// <summary>What a broadcast did: how many connections got the message queued, and how many did not.</summary>
public readonly struct BroadcastResult : IEquatable<BroadcastResult>
{
    /// <summary>Creates a result.</summary>
    /// <param name="queued">Connections whose sender accepted the message.</param>
    /// <param name="dropped">Connections whose sender refused it (overflow policy, stopped or closing sender, cancelled wait).</param>
    public BroadcastResult(int queued, int dropped)
    {
        Queued = queued;
        Dropped = dropped;
    }

    /// <summary>Connections whose <see cref="WebSocketSender"/> accepted the message; it will be sent unless the connection fails.</summary>
    public int Queued { get; }

    /// <summary>Connections whose sender refused the message: its overflow policy dropped it or cut the client off, the connection was closing, or the wait was cancelled.</summary>
    public int Dropped { get; }

    /// <summary>All connections the broadcast reached: <see cref="Queued"/> plus <see cref="Dropped"/>.</summary>
    public int Total => Queued + Dropped;

    /// <inheritdoc/>
    public bool Equals(BroadcastResult other) => Queued == other.Queued && Dropped == other.Dropped;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BroadcastResult other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Queued, Dropped);

    /// <summary>Compares two results.</summary>
    public static bool operator ==(BroadcastResult left, BroadcastResult right) => left.Equals(right);

    /// <summary>Compares two results.</summary>
    public static bool operator !=(BroadcastResult left, BroadcastResult right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"{Queued} queued, {Dropped} dropped";
}

/// <summary>
/// The open connections of the application (a DI singleton registered by
/// <see cref="WebSocketGuardServiceCollectionExtensions.AddWebSocketGuard"/>): counts for the connection limits, groups,
/// and broadcast.
/// </summary>
/// <remarks>
/// A broadcast never waits on a socket: it enqueues the message into each connection's own <see cref="WebSocketSender"/>,
/// whose drain loop does the sending. A client that stops reading therefore cannot stall delivery to the others; its
/// sender's bounds and overflow policy (<see cref="WebSocketEndpointOptions.Sender"/>) decide what happens to it.
/// Connections enter the registry when accepted and always leave it when they end.
/// </remarks>
public sealed class WebSocketConnectionRegistry
{
    private readonly ConcurrentDictionary<string, WebSocketConnection> _connections = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<WebSocketConnection>> _groups = new(StringComparer.Ordinal);
    private int _reserved;
    private int _count;

    internal object Gate => _gate;

    /// <summary>Connections currently open (accepted and not yet ended).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Connections that are open or being accepted; what <see cref="WebSocketEndpointOptions.MaxConnections"/> is checked against.</summary>
    public int ReservedCount => Volatile.Read(ref _reserved);

    /// <summary>Connections that <paramref name="userKey"/> holds, open or being accepted; what <see cref="WebSocketEndpointOptions.MaxConnectionsPerUser"/> is checked against.</summary>
    /// <param name="userKey">The user key (see <see cref="WebSocketEndpointOptions.UserKeySelector"/>).</param>
    /// <returns>The count; 0 for an unknown user.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="userKey"/> is null.</exception>
    public int CountForUser(string userKey)
    {
        ArgumentNullException.ThrowIfNull(userKey);
        lock (_gate)
        {
            return _perUser.TryGetValue(userKey, out var n) ? n : 0;
        }
    }

    /// <summary>Connections in <paramref name="group"/>.</summary>
    /// <param name="group">The group name.</param>
    /// <returns>The count; 0 for an unknown group.</returns>
    /// <exception cref="ArgumentException"><paramref name="group"/> is null or empty.</exception>
    public int GroupCount(string group)
    {
        ValidateGroup(group);
        lock (_gate)
        {
            return _groups.TryGetValue(group, out var members) ? members.Count : 0;
        }
    }

    /// <summary>A snapshot of the open connections.</summary>
    /// <returns>The connections at the time of the call.</returns>
    public IReadOnlyCollection<WebSocketConnection> GetConnections() => _connections.Values.ToArray();

    /// <summary>A snapshot of the connections in <paramref name="group"/>.</summary>
    /// <param name="group">The group name.</param>
    /// <returns>The members at the time of the call; empty for an unknown group.</returns>
    /// <exception cref="ArgumentException"><paramref name="group"/> is null or empty.</exception>
    public IReadOnlyCollection<WebSocketConnection> GetGroup(string group)
    {
        ValidateGroup(group);
        lock (_gate)
        {
            return _groups.TryGetValue(group, out var members) ? members.ToArray() : [];
        }
    }

    /// <summary>Finds an open connection by its <see cref="WebSocketConnection.Id"/>.</summary>
    /// <param name="id">The connection id.</param>
    /// <param name="connection">The connection, when found.</param>
    /// <returns>Whether the connection is open.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    public bool TryGetConnection(string id, [NotNullWhen(true)] out WebSocketConnection? connection)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _connections.TryGetValue(id, out connection);
    }

    /// <summary>Adds an open connection to a group (created on first use, removed when empty).</summary>
    /// <param name="connection">An open connection of this registry.</param>
    /// <param name="group">The group name.</param>
    /// <returns><see langword="true"/> when added; <see langword="false"/> when it was already a member or is no longer open.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="group"/> is null or empty, or the connection belongs to another registry.</exception>
    public bool AddToGroup(WebSocketConnection connection, string group)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ValidateGroup(group);
        if (!ReferenceEquals(connection.Registry, this))
        {
            throw new ArgumentException("The connection belongs to another WebSocketConnectionRegistry.", nameof(connection));
        }

        lock (_gate)
        {
            if (!_connections.ContainsKey(connection.Id) || !connection.GroupNames.Add(group))
            {
                return false;
            }

            if (!_groups.TryGetValue(group, out var members))
            {
                members = [];
                _groups.Add(group, members);
            }

            members.Add(connection);
            return true;
        }
    }

    /// <summary>Removes a connection from a group.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="group">The group name.</param>
    /// <returns>Whether it was a member.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="group"/> is null or empty.</exception>
    public bool RemoveFromGroup(WebSocketConnection connection, string group)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ValidateGroup(group);
        lock (_gate)
        {
            if (!connection.GroupNames.Remove(group))
            {
                return false;
            }

            RemoveMemberLocked(connection, group);
            return true;
        }
    }

    /// <summary>Queues <paramref name="message"/> on every open connection's sender.</summary>
    /// <param name="message">The payload; copied by each sender, so the caller may reuse the buffer once this returns.</param>
    /// <param name="messageType">Binary or Text.</param>
    /// <param name="cancellationToken">Stops waiting for room on senders whose policy is <see cref="SendOverflowPolicy.Wait"/>.</param>
    /// <returns>
    /// How many senders accepted the message. Completes at once unless a sender uses <see cref="SendOverflowPolicy.Wait"/> and is full;
    /// then it completes when that sender has room or its wait times out, while every other connection already has the message queued.
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="messageType"/> is not Binary or Text.</exception>
    public ValueTask<BroadcastResult> BroadcastAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType = WebSocketMessageType.Binary, CancellationToken cancellationToken = default)
    {
        ValidateType(messageType);
        return BroadcastCore(Open(), message, messageType, cancellationToken);
    }

    /// <summary>Queues <paramref name="text"/> as a UTF-8 Text message on every open connection's sender.</summary>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Stops waiting for room on senders whose policy is <see cref="SendOverflowPolicy.Wait"/>.</param>
    /// <returns>How many senders accepted the message (see <see cref="BroadcastAsync"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public ValueTask<BroadcastResult> BroadcastTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return BroadcastTextCore(Open(), text, cancellationToken);
    }

    /// <summary>Queues <paramref name="message"/> on the sender of every connection in <paramref name="group"/>.</summary>
    /// <param name="group">The group name.</param>
    /// <param name="message">The payload; copied by each sender.</param>
    /// <param name="messageType">Binary or Text.</param>
    /// <param name="cancellationToken">Stops waiting for room on senders whose policy is <see cref="SendOverflowPolicy.Wait"/>.</param>
    /// <returns>How many senders accepted the message (see <see cref="BroadcastAsync"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="group"/> is null or empty, or <paramref name="messageType"/> is not Binary or Text.</exception>
    public ValueTask<BroadcastResult> BroadcastToGroupAsync(string group, ReadOnlyMemory<byte> message, WebSocketMessageType messageType = WebSocketMessageType.Binary, CancellationToken cancellationToken = default)
    {
        ValidateType(messageType);
        return BroadcastCore(GetGroup(group), message, messageType, cancellationToken);
    }

    /// <summary>Queues <paramref name="text"/> as a UTF-8 Text message on the sender of every connection in <paramref name="group"/>.</summary>
    /// <param name="group">The group name.</param>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Stops waiting for room on senders whose policy is <see cref="SendOverflowPolicy.Wait"/>.</param>
    /// <returns>How many senders accepted the message (see <see cref="BroadcastAsync"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="group"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public ValueTask<BroadcastResult> BroadcastTextToGroupAsync(string group, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return BroadcastTextCore(GetGroup(group), text, cancellationToken);
    }

    /// <summary>The open connections, enumerated without locking the whole dictionary (unlike <c>Values</c>).</summary>
    private IEnumerable<WebSocketConnection> Open()
    {
        foreach (var pair in _connections)
        {
            yield return pair.Value;
        }
    }

    private static ValueTask<BroadcastResult> BroadcastTextCore(IEnumerable<WebSocketConnection> targets, string text, CancellationToken cancellationToken)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            Encoding.UTF8.GetBytes(text, buffer);

            // Each sender copies the payload before SendAsync returns, so the buffer can go back at once.
            return BroadcastCore(targets, buffer.AsMemory(0, length), WebSocketMessageType.Text, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ValueTask<BroadcastResult> BroadcastCore(IEnumerable<WebSocketConnection> targets, ReadOnlyMemory<byte> message, WebSocketMessageType messageType, CancellationToken cancellationToken)
    {
        var queued = 0;
        var dropped = 0;
        List<Task<bool>>? pending = null;
        foreach (var connection in targets)
        {
            ValueTask<bool> send;
            try
            {
                send = connection.Sender.SendAsync(message, messageType, cancellationToken);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
            {
                // The connection is closing, or the caller gave up.
                dropped++;
                continue;
            }

            if (!send.IsCompleted)
            {
                (pending ??= []).Add(send.AsTask());
            }
            else if (send.IsCompletedSuccessfully)
            {
                if (send.Result)
                {
                    queued++;
                }
                else
                {
                    dropped++;
                }
            }
            else
            {
                // Faulted or cancelled synchronously: observe it and count it.
                _ = send.AsTask().Exception;
                dropped++;
            }
        }

        return pending is null
            ? new ValueTask<BroadcastResult>(new BroadcastResult(queued, dropped))
            : new ValueTask<BroadcastResult>(AwaitPendingAsync(pending, queued, dropped));
    }

    private static async Task<BroadcastResult> AwaitPendingAsync(List<Task<bool>> pending, int queued, int dropped)
    {
        // All of these are already running side by side; awaiting them in turn costs no extra time.
        foreach (var task in pending)
        {
            try
            {
                if (await task.ConfigureAwait(false))
                {
                    queued++;
                }
                else
                {
                    dropped++;
                }
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
            {
                dropped++;
            }
        }

        return new BroadcastResult(queued, dropped);
    }

    /// <summary>Takes a slot under the limits; false (and nothing taken) when a limit is reached.</summary>
    internal bool TryReserve(string? userKey, int maxConnections, int maxConnectionsPerUser)
    {
        lock (_gate)
        {
            if (_reserved >= maxConnections)
            {
                return false;
            }

            if (userKey is not null)
            {
                var held = _perUser.TryGetValue(userKey, out var n) ? n : 0;
                if (held >= maxConnectionsPerUser)
                {
                    return false;
                }

                _perUser[userKey] = held + 1;
            }

            _reserved++;
            return true;
        }
    }

    /// <summary>Gives back a slot taken by <see cref="TryReserve"/>.</summary>
    internal void Release(string? userKey)
    {
        lock (_gate)
        {
            _reserved--;
            if (userKey is not null && _perUser.TryGetValue(userKey, out var n))
            {
                if (n <= 1)
                {
                    _perUser.Remove(userKey);
                }
                else
                {
                    _perUser[userKey] = n - 1;
                }
            }
        }
    }

    internal void Register(WebSocketConnection connection)
    {
        if (!_connections.TryAdd(connection.Id, connection))
        {
            throw new InvalidOperationException($"A connection with id '{connection.Id}' is already registered.");
        }

        Interlocked.Increment(ref _count);
    }

    /// <summary>Removes the connection, its group memberships and its slot; safe to call once per registered connection.</summary>
    internal void Unregister(WebSocketConnection connection)
    {
        lock (_gate)
        {
            if (!_connections.TryRemove(new KeyValuePair<string, WebSocketConnection>(connection.Id, connection)))
            {
                return;
            }

            foreach (var group in connection.GroupNames)
            {
                RemoveMemberLocked(connection, group);
            }

            connection.GroupNames.Clear();
            Interlocked.Decrement(ref _count);
        }

        Release(connection.UserKey);
    }

    private void RemoveMemberLocked(WebSocketConnection connection, string group)
    {
        if (_groups.TryGetValue(group, out var members) && members.Remove(connection) && members.Count == 0)
        {
            _groups.Remove(group);
        }
    }

    private static void ValidateGroup(string group)
    {
        if (string.IsNullOrEmpty(group))
        {
            throw new ArgumentException("The group name must not be null or empty.", nameof(group));
        }
    }

    private static void ValidateType(WebSocketMessageType messageType)
    {
        if (messageType is not (WebSocketMessageType.Binary or WebSocketMessageType.Text))
        {
            throw new ArgumentException("Only Binary and Text messages can be broadcast.", nameof(messageType));
        }
    }
}
