// Starts one OpenSearch node from the jars Maven Central serves (there is
// no distribution archive there): the server plus the Netty4 HTTP/transport
// plugin, loaded from the classpath through Node's protected constructor.
// OpenSearch's server still serves GET / itself. Used by
// scripts/services/opensearch.sh:
//   java -cp 'libs/*:classes' OsNode <home-dir> <http-port> <transport-port>
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

public class OsNode {
    /** Node with classpath plugins: the distribution loads them from plugins/ and modules/. */
    static class ClasspathNode extends Node {
        ClasspathNode(Environment env) {
            super(env, List.of(Netty4Plugin.class), true);
        }
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath();
        int http = Integer.parseInt(args[1]);
        int transport = Integer.parseInt(args[2]);
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "goconnect-os")
            .put("node.name", "goconnect-os")
            .put("network.host", "127.0.0.1")
            .put("http.port", http)
            .put("transport.port", transport)
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            .put("discovery.type", "single-node")
            .put("action.auto_create_index", "true")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        LogConfigurator.registerErrorListener();
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), home.resolve("config"), () -> "goconnect-os");
        // Logging as the distribution does it: config/log4j2.properties
        // (written by scripts/services/opensearch.sh), to the console.
        LogConfigurator.setNodeName("goconnect-os");
        LogConfigurator.configure(env);
        Node node = new ClasspathNode(env);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try { node.close(); } catch (Exception e) { e.printStackTrace(); }
            stopped.countDown();
        }));
        node.start();
        System.out.println("OsNode started: http 127.0.0.1:" + http);
        stopped.await();
    }
}
