package io.lionherd.concurrency.staging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * An element of a POM or of a {@code maven-metadata.xml}, read by child names (a POM has
 * no attributes worth reading and one namespace).
 */
final class Xml {

	private final Element element;

	private Xml(Element element) {
		this.element = element;
	}

	static Xml read(Path file) {
		try {
			DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
			factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
			factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
			return new Xml(factory.newDocumentBuilder().parse(Files.newInputStream(file)).getDocumentElement());
		}
		catch (IOException | SAXException | ParserConfigurationException ex) {
			throw new IllegalStateException("Cannot read " + file + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * The elements at a path of child names, e.g. {@code dependencies/dependency}.
	 * @param path child names separated by {@code /}
	 * @return the matching elements in document order, none when a step is missing
	 */
	List<Xml> all(String path) {
		List<Xml> current = List.of(this);
		for (String name : path.split("/")) {
			List<Xml> next = new ArrayList<>();
			for (Xml xml : current) {
				next.addAll(xml.children(name));
			}
			current = next;
		}
		return current;
	}

	/**
	 * The trimmed text of the first element at a path.
	 * @param path child names separated by {@code /}
	 * @return its text, or {@code ""} when there is none
	 */
	String text(String path) {
		List<Xml> found = all(path);
		return found.isEmpty() ? "" : found.get(0).element.getTextContent().trim();
	}

	String text() {
		return this.element.getTextContent().trim();
	}

	boolean has(String path) {
		return !all(path).isEmpty();
	}

	private List<Xml> children(String name) {
		List<Xml> children = new ArrayList<>();
		for (Node child = this.element.getFirstChild(); child != null; child = child.getNextSibling()) {
			if (child instanceof Element element && element.getTagName().equals(name)) {
				children.add(new Xml(element));
			}
		}
		return children;
	}

}
