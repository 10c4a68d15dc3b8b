import { createRoot } from 'react-dom/client';
import { takeTokenFromUrl } from './api';
import { App } from './App';
import './styles.css';

takeTokenFromUrl();
createRoot(document.getElementById('root')!).render(<App />);
