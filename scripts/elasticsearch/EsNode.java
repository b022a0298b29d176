// Starts one Elasticsearch node from the jars Maven Central serves (there is
// no distribution archive there): the server plus the Netty4 HTTP/transport
// plugin, loaded from the classpath through the test framework's MockNode
// (which only adds classpath plugins; no mock services are plugged in).
// Used by scripts/services/elasticsearch.sh:
//   java -cp 'libs/*:classes' EsNode <home-dir> <http-port> <transport-port>
import java.io.Closeable;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.concurrent.CountDownLatch;

import static org.elasticsearch.rest.RestRequest.Method.GET;
import static org.elasticsearch.rest.RestRequest.Method.HEAD;

import org.elasticsearch.Build;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.MockNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

public class EsNode {
    static volatile ClusterService clusterService;

    /** `GET /` (Elasticsearch's rest-root module, which Maven Central lacks). */
    public static class MainPlugin extends Plugin implements ActionPlugin {
        @Override
        public Collection<RestHandler> getRestHandlers(Settings settings, NamedWriteableRegistry registry,
                RestController controller, ClusterSettings clusterSettings, IndexScopedSettings indexScopedSettings,
                SettingsFilter settingsFilter, IndexNameExpressionResolver resolver, Supplier<DiscoveryNodes> nodes,
                Predicate<NodeFeature> clusterSupportsFeature) {
            return List.of(new MainHandler());
        }
    }

    static class MainHandler extends BaseRestHandler {
        @Override
        public String getName() { return "goconnect_main_action"; }

        @Override
        public List<Route> routes() { return List.of(new Route(GET, "/"), new Route(HEAD, "/")); }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
            return channel -> {
                Build build = Build.current();
                ClusterService cs = clusterService;
                String clusterUuid = cs == null ? "_na_" : cs.state().metadata().clusterUUID();
                XContentBuilder b = channel.newBuilder();
                b.startObject();
                b.field("name", cs == null ? "goconnect-es" : cs.localNode().getName());
                b.field("cluster_name", cs == null ? "goconnect" : cs.getClusterName().value());
                b.field("cluster_uuid", clusterUuid);
                b.startObject("version");
                b.field("number", build.qualifiedVersion());
                b.field("build_flavor", build.flavor());
                b.field("build_type", build.type().displayName());
                b.field("build_hash", build.hash());
                b.field("build_date", build.date());
                b.field("build_snapshot", build.isSnapshot());
                b.field("lucene_version", org.apache.lucene.util.Version.LATEST.toString());
                b.field("minimum_wire_compatibility_version", build.minWireCompatVersion());
                b.field("minimum_index_compatibility_version", build.minIndexCompatVersion());
                b.endObject();
                b.field("tagline", "You Know, for Search");
                b.endObject();
                channel.sendResponse(new RestResponse(RestStatus.OK, b));
            };
        }
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath();
        int http = Integer.parseInt(args[1]);
        int transport = Integer.parseInt(args[2]);
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureESLogging();
        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "goconnect")
            .put("node.name", "goconnect-es")
            .put("network.host", "127.0.0.1")
            .put("http.port", http)
            .put("transport.port", transport)
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            .put("discovery.type", "single-node")
            .put("action.auto_create_index", "true")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        // MockNode's public constructors go through ESTestCase, whose static
        // set-up refuses to run as root; its private one takes an Environment.
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), home.resolve("config"), () -> "goconnect-es");
        // Logging as the distribution does it: config/log4j2.properties
        // (written by scripts/services/elasticsearch.sh), to the console.
        LogConfigurator.setNodeName("goconnect-es");
        LogConfigurator.configure(env, true);
        Constructor<MockNode> ctor = MockNode.class.getDeclaredConstructor(
            Environment.class, Collection.class, boolean.class, Closeable.class);
        ctor.setAccessible(true);
        Closeable noop = () -> {};
        Node node = ctor.newInstance(env, List.of(Netty4Plugin.class, MainPlugin.class), false, noop);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try { node.close(); } catch (Exception e) { e.printStackTrace(); }
            stopped.countDown();
        }));
        node.start();
        clusterService = node.injector().getInstance(ClusterService.class);
        System.out.println("EsNode started: http 127.0.0.1:" + http);
        stopped.await();
    }
}
