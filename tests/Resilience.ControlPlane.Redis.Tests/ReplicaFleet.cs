using Microsoft.Extensions.DependencyInjection;

namespace Resilience.ControlPlane.Redis.Tests;

/// <summary>Real control-plane replicas (Kestrel, mutual TLS, the hub) meeting in one real Redis.</summary>
internal static class ReplicaFleet
{
    /// <summary>Starts a replica with the Redis backplane under <paramref name="prefix"/>.</summary>
    public static Task<ControlPlaneServer> StartAsync(RedisServer redis, string prefix, string replicaId, Action<ControlPlaneBackplaneOptions>? replica = null, int port = 0) =>
        ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub, port, services => Add(services, redis, prefix, replicaId, replica));

    public static void Add(IServiceCollection services, RedisServer redis, string prefix, string replicaId, Action<ControlPlaneBackplaneOptions>? replica = null) =>
        services.AddDataPlaneHubRedisBackplane(
            o =>
            {
                o.Configuration = redis.Configuration;
                o.KeyPrefix = prefix;
                o.ConnectTimeout = TimeSpan.FromSeconds(2);
                o.OperationTimeout = TimeSpan.FromSeconds(3);
            },
            o =>
            {
                o.ReplicaId = replicaId;
                o.ReconcileInterval = TimeSpan.FromSeconds(2);
                o.RegistryInterval = TimeSpan.FromMilliseconds(300);
                o.StartupTimeout = TimeSpan.FromSeconds(15);
                replica?.Invoke(o);
            });

    /// <summary>A node whose link lists <paramref name="endpoints"/> in order.</summary>
    public static Task<DataPlaneNode> NodeAsync(string nodeId, Action<ClusterLinkOptions>? more, params ControlPlaneServer[] endpoints) =>
        DataPlaneNode.StartAsync(
            o =>
            {
                Pki.Link(endpoints[0].Endpoint)(o);
                o.Endpoint = null;
                foreach (var cp in endpoints)
                {
                    o.Endpoints.Add(cp.Endpoint);
                }

                more?.Invoke(o);
            },
            nodeId: nodeId);

    public static string Config(string name) => $$"""{"name":"{{name}}","routes":[{"path":"/{{name}}"}]}""";

    public static string Prefix() => "test-" + Guid.NewGuid().ToString("n")[..8];
}
