package io.subutai.p2p.provision.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * A feature repository in the Karaf features XML format: {@code <features name="...">} with
 * {@code <repository>} references and {@code <feature name version description>} elements whose
 * children are {@code <feature version>} dependencies and {@code <bundle start-level start>} locations.
 * Several {@code <feature>} elements may share a name when their versions differ.
 * Any namespace version is accepted; elements the format has that p2p does not use
 * ({@code config}, {@code configfile}, {@code capability}, {@code conditional}) are rejected so that
 * a repository never installs less than its author meant.
 *
 * @param uri          where it was read from
 * @param name         its {@code name} attribute
 * @param repositories the URIs of the repositories it refers to
 * @param features     its features, in the order it defines them
 */
public record FeatureRepository(String uri, String name, List<String> repositories, List<Feature> features) {

    public FeatureRepository {
        repositories = List.copyOf(repositories);
        features = List.copyOf(features);
    }

    /**
     * Parses a repository.
     *
     * @throws ProvisionException when it is not well-formed XML of this format; the message says where
     */
    public static FeatureRepository parse(String uri, InputStream in) throws ProvisionException {
        Document doc;
        try {
            doc = newBuilder().parse(in);
        } catch (SAXException e) {
            throw new ProvisionException("Feature repository " + uri + " is not valid XML: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ProvisionException("Cannot read feature repository " + uri + ": " + e.getMessage(), e);
        }
        Element root = doc.getDocumentElement();
        if (!"features".equals(local(root))) {
            throw new ProvisionException("Feature repository " + uri + ": the root element must be <features>, not <"
                    + local(root) + ">");
        }
        String name = root.getAttribute("name").trim();
        if (name.isEmpty()) {
            throw new ProvisionException("Feature repository " + uri + ": <features> has no name attribute");
        }
        List<String> repositories = new ArrayList<>();
        Map<FeatureId, Feature> features = new LinkedHashMap<>();
        for (Element e : children(root)) {
            switch (local(e)) {
                case "repository" -> repositories.add(text(e, uri));
                case "feature" -> {
                    Feature f = feature(e, name, uri);
                    if (features.putIfAbsent(f.id(), f) != null) {
                        throw new ProvisionException("Feature repository " + uri + " defines feature '" + f.name()
                                + "'" + (f.version().isEmpty() ? "" : " version " + f.version()) + " twice");
                    }
                }
                case "resource-repository" -> throw unsupported(uri, e);
                default -> throw new ProvisionException("Feature repository " + uri + ": unknown element <"
                        + local(e) + ">");
            }
        }
        return new FeatureRepository(uri, name, repositories, List.copyOf(features.values()));
    }

    private static Feature feature(Element e, String repository, String uri) throws ProvisionException {
        String name = e.getAttribute("name").trim();
        if (name.isEmpty()) {
            throw new ProvisionException("Feature repository " + uri + ": a <feature> has no name attribute");
        }
        List<Feature.Dependency> deps = new ArrayList<>();
        List<Feature.BundleRef> bundles = new ArrayList<>();
        for (Element c : children(e)) {
            switch (local(c)) {
                case "feature" -> deps.add(dependency(c, name, uri));
                case "bundle" -> {
                    int level = 0;
                    String sl = c.getAttribute("start-level").trim();
                    if (!sl.isEmpty()) {
                        try {
                            level = Integer.parseInt(sl);
                        } catch (NumberFormatException x) {
                            level = -1;
                        }
                        if (level < 1) {
                            throw new ProvisionException("Feature repository " + uri + ", feature '" + name
                                    + "': start-level must be a positive number, not '" + sl + "'");
                        }
                    }
                    boolean start = !"false".equals(c.getAttribute("start").trim());
                    bundles.add(new Feature.BundleRef(text(c, uri), level, start));
                }
                case "details" -> {
                    // documentation only
                }
                default -> throw unsupported(uri, c);
            }
        }
        return new Feature(name, e.getAttribute("version").trim(), e.getAttribute("description").trim(),
                repository, deps, bundles);
    }

    private static Feature.Dependency dependency(Element e, String feature, String uri) throws ProvisionException {
        String version = e.getAttribute("version").trim();
        try {
            Versions.matches("0", version);
        } catch (IllegalArgumentException x) {
            throw new ProvisionException("Feature repository " + uri + ", feature '" + feature + "': " + x.getMessage(), x);
        }
        return new Feature.Dependency(text(e, uri), version);
    }

    private static ProvisionException unsupported(String uri, Element e) {
        return new ProvisionException("Feature repository " + uri + ": <" + local(e)
                + "> is not supported by p2p (supported: <repository>, <feature>, <bundle>, <details>)");
    }

    private static String text(Element e, String uri) throws ProvisionException {
        String t = e.getTextContent().trim();
        if (t.isEmpty()) {
            throw new ProvisionException("Feature repository " + uri + ": empty <" + local(e) + ">");
        }
        return t;
    }

    private static List<Element> children(Element e) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                out.add(c);
            }
        }
        return out;
    }

    private static String local(Element e) {
        return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
    }

    private static DocumentBuilder newBuilder() throws ProvisionException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler()); // silent: errors come back as exceptions
            return b;
        } catch (ParserConfigurationException e) {
            throw new ProvisionException("No XML parser: " + e.getMessage(), e);
        }
    }
}
