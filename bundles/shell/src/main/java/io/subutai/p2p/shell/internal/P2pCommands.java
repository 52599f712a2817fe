package io.subutai.p2p.shell.internal;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Function;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.FeatureInfo;
import io.subutai.p2p.api.FeatureService;
import io.subutai.p2p.api.NetworkService;
import io.subutai.p2p.api.P2pException;
import io.subutai.p2p.api.PluginInfo;
import io.subutai.p2p.api.SetRequest;
import io.subutai.p2p.api.ShowRequest;
import io.subutai.p2p.api.StartRequest;
import io.subutai.p2p.api.StopRequest;

/**
 * The {@code p2p:*} Gogo commands. Thin: parse, call the API, render. Failures come back as a
 * {@link P2pException} whose message is the text the user sees and whose code is the exit code.
 * Gogo maps a function name to a method name, and a method name cannot hold a dash, so the
 * dashed commands ({@code p2p:repo-add} ...) are registered as Gogo {@link Function} services
 * that call the methods of this component.
 */
@Component(service = P2pCommands.class, immediate = true, property = {
    CommandProcessor.COMMAND_SCOPE + "=p2p",
    CommandProcessor.COMMAND_FUNCTION + "=version",
    CommandProcessor.COMMAND_FUNCTION + "=show",
    CommandProcessor.COMMAND_FUNCTION + "=plugins",
    CommandProcessor.COMMAND_FUNCTION + "=start",
    CommandProcessor.COMMAND_FUNCTION + "=stop",
    CommandProcessor.COMMAND_FUNCTION + "=status",
    CommandProcessor.COMMAND_FUNCTION + "=set",
    CommandProcessor.COMMAND_FUNCTION + "=debug"
})
public final class P2pCommands {

    /** The commands with a dash in their name. */
    static final List<String> DASHED = List.of("repo-add", "repo-list", "feature-list", "feature-install",
            "feature-uninstall");

    private final NetworkService network;
    private final FeatureService features;
    private final List<ServiceRegistration<Function>> registrations = new ArrayList<>();

    @Activate
    public P2pCommands(BundleContext context, @Reference NetworkService network, @Reference FeatureService features) {
        this.network = network;
        this.features = features;
        for (String name : DASHED) {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(CommandProcessor.COMMAND_SCOPE, "p2p");
            props.put(CommandProcessor.COMMAND_FUNCTION, name);
            registrations.add(context.registerService(Function.class, (session, args) -> dashed(name, args), props));
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<Function> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
    }

    @Descriptor("print the version of p2p")
    public String version() {
        return network.version();
    }

    @Descriptor("list networks, or the peers of one network, its interfaces or the MTU")
    public String show(
            @Descriptor("show the peers of this network") @Parameter(names = {"-hash", "--hash"}, absentValue = "") String hash,
            @Descriptor("with -hash: is the peer with this overlay IP connected") @Parameter(names = {"-check", "--check", "-ip", "--ip"}, absentValue = "") String check,
            @Descriptor("list interface names") @Parameter(names = {"-interfaces", "--interfaces"}, presentValue = "true", absentValue = "false") boolean interfaces,
            @Descriptor("with -interfaces: include names no longer in use") @Parameter(names = {"-all", "--all"}, presentValue = "true", absentValue = "false") boolean all,
            @Descriptor("with -interfaces: print hash|interface") @Parameter(names = {"-bind", "--bind"}, presentValue = "true", absentValue = "false") boolean bind,
            @Descriptor("print the MTU") @Parameter(names = {"-mtu", "--mtu"}, presentValue = "true", absentValue = "false") boolean mtu,
            @Descriptor("print JSON: the networks, or with -hash that network and its peers") @Parameter(names = {"-json", "--json"}, presentValue = "true", absentValue = "false") boolean json) {
        return text(network.show(new ShowRequest(hash, check, interfaces, all, bind, mtu, json)));
    }

    @Descriptor("join or create a network: a TAP interface with an overlay IP")
    public String start(
            @Descriptor("overlay IP: A.B.C.D (prefix /24) or A.B.C.D/NN") @Parameter(names = {"-ip", "--ip"}, absentValue = "") String ip,
            @Descriptor("the network's name (required)") @Parameter(names = {"-hash", "--hash"}, absentValue = "") String hash,
            @Descriptor("MAC of the interface") @Parameter(names = {"-mac", "--mac"}, absentValue = "") String mac,
            @Descriptor("name of the interface") @Parameter(names = {"-dev", "--dev"}, absentValue = "") String dev,
            @Descriptor("network key") @Parameter(names = {"-key", "--key"}, absentValue = "") String key,
            @Descriptor("Unix time until which -key is valid") @Parameter(names = {"-ttl", "--ttl", "-until", "--until"}, absentValue = "") String ttl,
            @Descriptor("YAML file with key: and ttl:") @Parameter(names = {"-keyfile", "--keyfile"}, absentValue = "") String keyfile,
            @Descriptor("UDP port, 0 for any") @Parameter(names = {"-port", "--port"}, absentValue = "0") int port,
            @Descriptor("UDP port range MIN-MAX") @Parameter(names = {"-ports", "--ports"}, absentValue = "") String ports,
            @Descriptor("bootstrap servers HOST:PORT[,...]") @Parameter(names = {"-dht", "--dht"}, absentValue = "") String dht,
            @Descriptor("relays only") @Parameter(names = {"-fwd", "--fwd"}, presentValue = "true", absentValue = "false") boolean fwd,
            @Descriptor("pq: the post-quantum suite only; classic: noise-ikpsk2 only") @Parameter(names = {"-crypto", "--crypto"}, absentValue = "") String crypto,
            @Descriptor("the interface is in a bridge with containers behind it") @Parameter(names = {"-bridge", "--bridge"}, presentValue = "true", absentValue = "false") boolean bridge,
            @Descriptor("HTTP CONNECT or SOCKS5 proxy for streams to servers: http://HOST:PORT or socks5://HOST:PORT") @Parameter(names = {"-proxy", "--proxy"}, absentValue = "") String proxy) {
        return text(network.start(new StartRequest(ip, hash, mac, dev, key, ttl, keyfile, port, ports, dht, fwd, crypto,
                bridge, proxy)));
    }

    @Descriptor("leave a network, or forget an interface name")
    public String stop(
            @Descriptor("the network to stop") @Parameter(names = {"-hash", "--hash"}, absentValue = "") String hash,
            @Descriptor("with no -hash: interface name to forget") @Parameter(names = {"-dev", "--dev"}, absentValue = "") String dev) {
        return text(network.stop(new StopRequest(hash, dev)));
    }

    @Descriptor("change the log level, a network's overlay IP, add a key to its key queue, or revoke a member")
    public String set(
            @Descriptor("log level: trace, debug, info, warning or error") @Parameter(names = {"-log", "--log"}, absentValue = "") String log,
            @Descriptor("with -hash: the network's new overlay IP, A.B.C.D (keeping its prefix) or A.B.C.D/NN") @Parameter(names = {"-ip", "--ip"}, absentValue = "") String ip,
            @Descriptor("the network to change") @Parameter(names = {"-hash", "--hash"}, absentValue = "") String hash,
            @Descriptor("with -hash: a key to add to the network's key queue") @Parameter(names = {"-key", "--key"}, absentValue = "") String key,
            @Descriptor("Unix time until which -key is valid") @Parameter(names = {"-ttl", "--ttl", "-until", "--until"}, absentValue = "") String ttl,
            @Descriptor("with -hash: the ID of a member to refuse for good") @Parameter(names = {"-revoke", "--revoke"}, absentValue = "") String revoke) {
        return text(network.set(new SetRequest(log, ip, hash, key, ttl, revoke)));
    }

    @Descriptor("show every network and the state of each peer; with -hash, that network's peers as JSON")
    public String status(
            @Descriptor("only this network") @Parameter(names = {"-hash", "--hash"}, absentValue = "") String hash,
            @Descriptor("print the networks and their peers as JSON") @Parameter(names = {"-json", "--json"}, presentValue = "true", absentValue = "false") boolean json) {
        return text(network.status(hash, json));
    }

    @Descriptor("print the daemon's state for troubleshooting: networks, servers, relays, peers and their paths")
    public String debug(
            @Descriptor("print the daemon, its networks and their peers as JSON") @Parameter(names = {"-json", "--json"}, presentValue = "true", absentValue = "false") boolean json) {
        return text(network.debug(json));
    }

    @Descriptor("list the plugins (TAP drivers, transports, discovery, crypto) the engine knows")
    public String plugins() {
        StringBuilder b = new StringBuilder();
        for (PluginInfo p : network.plugins()) {
            b.append(p.kind()).append('\t').append(p.name()).append('\t').append(p.ranking()).append('\t')
                    .append(p.available() ? "available" : "unavailable: " + p.reason()).append('\t')
                    .append(p.origin());
            if (p.failures() > 0) {
                b.append("\tfailures: ").append(p.failures());
            }
            b.append('\n');
        }
        return b.toString();
    }

    String repoAdd(String uri) {
        return "Added feature repository " + features.addRepository(uri) + "\n";
    }

    String repoList() {
        StringBuilder b = new StringBuilder();
        for (String r : features.repositories()) {
            b.append(r).append('\n');
        }
        return b.toString();
    }

    String featureList() {
        return featureList(features.features());
    }

    /**
     * One line per feature name: {@code [installed VERSION]} or {@code [available]}, the name, the
     * versions offered (newest first), then tab-separated the repository and the description.
     */
    static String featureList(List<FeatureInfo> features) {
        StringBuilder b = new StringBuilder();
        for (FeatureInfo f : features) {
            b.append(f.installed() ? "[installed " + f.installedVersion() + "]  " : "[available]  ").append(f.name())
                    .append("  (available: ").append(String.join(", ", f.available())).append(")\t")
                    .append(f.repository()).append('\t').append(f.description()).append('\n');
        }
        return b.toString();
    }

    String featureInstall(String name) {
        FeatureInfo f = features.install(name);
        return "Installed feature " + f.name() + " " + f.version() + "\n";
    }

    String featureUninstall(String name) {
        FeatureInfo f = features.uninstall(name);
        return "Uninstalled feature " + f.name() + " " + f.version() + "\n";
    }

    private Object dashed(String name, List<Object> args) {
        return switch (name) {
            case "repo-add" -> repoAdd(one(name, "URL", args));
            case "repo-list" -> repoList();
            case "feature-list" -> featureList();
            case "feature-install" -> featureInstall(one(name, "NAME[/VERSION]", args));
            case "feature-uninstall" -> featureUninstall(one(name, "NAME", args));
            default -> throw new P2pException("Unknown command p2p:" + name);
        };
    }

    private static String one(String command, String what, List<Object> args) {
        if (args.size() != 1) {
            throw new P2pException(2, "Usage: p2p:" + command + " " + what);
        }
        return String.valueOf(args.get(0));
    }

    /** The text of a command's output; an error becomes a {@link P2pException} with its code. */
    private static String text(CommandOutput out) {
        if (out.code() != 0) {
            String msg = out.err().isEmpty() ? out.out() : out.err();
            throw new P2pException(out.code(), msg.endsWith("\n") ? msg.substring(0, msg.length() - 1) : msg);
        }
        return out.out() + out.err(); // a warning that came with success is shown too
    }
}
